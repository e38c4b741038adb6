//! The scorecard overview (one table per role) and the cascade trees.

use super::markup::Markup;
use super::{charts, chip, notes, percent, status_class};
use crate::eval::cascade::CascadeResult;
use crate::eval::scorecard::{ScoreRow, ScorecardResult};
use crate::eval::{Evaluation, Status};
use crate::report::{format_number, format_value, target_text};
use crate::vocab::Unit;

/// A scorecard row's status, for its colour and word: on target at 100 % or
/// more; a partial payout below; no payout when the coefficient is 0 (a gate,
/// or the curve's floor); no score without any KPI result.
pub fn score_status(r: &ScoreRow) -> (Status, &'static str) {
    match (r.score, r.coefficient) {
        (None, _) => (Status::NoData, "no score"),
        (Some(_), Some(c)) if c <= 0.0 => (Status::Missed, "no payout"),
        (Some(s), _) if s >= 1.0 => (Status::Met, "on target"),
        _ => (Status::AtRisk, "partial payout"),
    }
}

/// The latest period of a scorecard: every entity's status, score, payout and
/// bonus, best first, with each KPI's status and the score over the periods.
pub fn scorecard(card: &ScorecardResult) -> Markup {
    let mut m = Markup::new();
    m.open("div", &[("class", "card"), ("id", &format!("scorecard-{}", card.name))]);
    let Some(latest) = card.rows.iter().map(|r| r.period).max() else {
        m.leaf("h3", &[], &card.name).leaf("p", &[("class", "note")], "No data in the selected periods.");
        m.close("div");
        return m;
    };
    m.leaf("h3", &[], &card.name);
    m.leaf("p", &[("class", "sub")], &format!("by {} · {latest} · the score over the periods reported", card.by));
    let mut rows: Vec<&ScoreRow> = card.rows.iter().filter(|r| r.period == latest).collect();
    rows.sort_by(|a, b| b.score.unwrap_or(f64::NEG_INFINITY).total_cmp(&a.score.unwrap_or(f64::NEG_INFINITY)));

    m.open("p", &[("class", "glance")]);
    for (status, word) in
        [(Status::Met, "on target"), (Status::AtRisk, "partial payout"), (Status::Missed, "no payout")]
    {
        let n = rows.iter().filter(|r| score_status(r).0 == status).count();
        chip(&mut m, status, &format!("{n} {word}"));
    }
    let bonuses: Vec<f64> = rows.iter().filter_map(|r| r.bonus).collect();
    if !bonuses.is_empty() {
        let total = bonuses.iter().fold(0.0, |a, b| crate::exact::add(a, *b));
        let total = match rows.iter().find_map(|r| r.currency.as_deref()) {
            Some(c) => crate::vocab::number::format_money(total, c),
            None => format_number(total, 2),
        };
        m.leaf("span", &[], &format!("bonuses in {latest}: {total}"));
    }
    m.close("p");

    m.open("table", &[]).open("thead", &[]).open("tr", &[]);
    m.leaf("th", &[], &card.by).leaf("th", &[], "Status").leaf("th", &[("class", "num")], "Score");
    m.leaf("th", &[("class", "num")], "Payout").leaf("th", &[("class", "num")], "Bonus");
    m.leaf("th", &[], "KPIs").leaf("th", &[], "Score by period");
    m.close("tr").close("thead").open("tbody", &[]);
    for r in rows {
        score_row(&mut m, card, r);
    }
    m.close("tbody").close("table").close("div");
    m
}

/// One entity: status, score, payout, bonus, each KPI's status, the score by period.
fn score_row(m: &mut Markup, card: &ScorecardResult, r: &ScoreRow) {
    let who = r.entity.as_deref().unwrap_or("(empty)");
    m.open("tr", &[]).open("td", &[]).text(who);
    notes(m, &r.notes);
    m.close("td").open("td", &[]);
    let (status, word) = score_status(r);
    chip(m, status, word);
    m.close("td");
    m.leaf("td", &[("class", "num")], &percent(r.score));
    m.leaf("td", &[("class", "num")], &r.coefficient.map_or("—".into(), |c| format_number(c, 3)));
    let bonus = match (r.bonus, r.currency.as_deref()) {
        (Some(b), Some(c)) => crate::vocab::number::format_money(b, c),
        (Some(b), None) => format_number(b, 2),
        (None, _) => "—".into(),
    };
    m.leaf("td", &[("class", "num")], &bonus);
    m.open("td", &[("class", "chips")]);
    for p in &r.parts {
        chip(m, p.status, &p.kpi);
    }
    m.close("td").open("td", &[]);
    let history: Vec<&ScoreRow> = card.rows.iter().filter(|x| x.entity == r.entity).collect();
    let scores: Vec<Option<f64>> = history.iter().map(|x| x.score).collect();
    let said: Vec<String> = history.iter().map(|x| format!("{} {}", x.period, percent(x.score))).collect();
    m.append(charts::spark(&format!("{}, {who}, score: {}", card.name, said.join(", ")), &scores));
    m.close("td").close("tr");
}

/// The cascade's tree in its latest period, as a table whose first column is
/// indented by depth: every node's status, actual, target and attainment.
pub fn cascade(c: &CascadeResult, eval: &Evaluation) -> Markup {
    let kpi = eval.kpis.iter().find(|k| k.name == c.kpi);
    let unit = kpi.map_or(Unit::Number, |k| k.unit.clone());
    let label = kpi.and_then(|k| k.label.clone()).unwrap_or_else(|| c.kpi.clone());
    let mut dims: Vec<&str> = Vec::new();
    for (d, _) in c.rows.iter().flat_map(|r| &r.path) {
        if !dims.contains(&d.as_str()) {
            dims.push(d);
        }
    }
    let mut m = Markup::new();
    m.open("div", &[("class", "cascade")]).leaf("h3", &[], &format!("{label}: cascade by {}", dims.join(", then ")));
    let Some(latest) = c.rows.iter().map(|r| r.period).max() else {
        m.leaf("p", &[("class", "note")], "No data in the selected periods.").close("div");
        return m;
    };
    let sub = format!("{latest} · each level's actual is computed from the data at that level, not summed from below");
    m.leaf("p", &[("class", "sub")], &sub);
    m.open("table", &[("class", "tree"), ("data-chart", "cascade")]).open("thead", &[]).open("tr", &[]);
    m.leaf("th", &[], "Node").leaf("th", &[], "Status").leaf("th", &[("class", "num")], "Actual");
    m.leaf("th", &[("class", "num")], "Target").leaf("th", &[("class", "num")], "Attainment");
    m.close("tr").close("thead").open("tbody", &[]);
    for r in c.rows.iter().filter(|r| r.period == latest) {
        let indent = format!("padding-left:{}em", format_number(0.5 + 1.5 * r.depth as f64, 1));
        m.open("tr", &[]).open("td", &[("style", &indent)]);
        match r.path.last() {
            None => m.leaf("b", &[], &c.kpi),
            Some((dim, v)) => {
                m.leaf("span", &[("class", "branch"), ("aria-hidden", "true")], "└ ");
                m.leaf("b", &[], v.as_deref().unwrap_or("(empty)")).leaf(
                    "span",
                    &[("class", "sub")],
                    &format!(" {dim}"),
                )
            }
        };
        notes(&mut m, &r.notes);
        m.close("td").open("td", &[]);
        chip(&mut m, r.status, r.status.label());
        m.close("td");
        m.leaf("td", &[("class", "num")], &r.actual.map_or("—".into(), |a| format_value(&unit, a)));
        m.leaf("td", &[("class", "num")], &target_text(&unit, r.target));
        m.open("td", &[("class", "num")]);
        meter(&mut m, r.attainment, r.status);
        m.text(" ").text(&percent(r.attainment)).close("td").close("tr");
    }
    m.close("tbody").close("table").close("div");
    m
}

/// Attainment as a small bar, full at 100 %.
fn meter(m: &mut Markup, attainment: Option<f64>, status: Status) {
    let width = attainment.map_or(0.0, |a| (a * 100.0).clamp(0.0, 100.0));
    m.open("span", &[("class", "meter"), ("aria-hidden", "true")]);
    m.leaf("span", &[("class", status_class(status)), ("style", &format!("width:{}%", format_number(width, 1)))], "");
    m.close("span");
}
