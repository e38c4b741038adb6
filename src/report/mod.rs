//! Renderings of an evaluation: a terminal table, JSON (versioned), CSV,
//! Markdown and a self-contained HTML report.

pub mod comparison;
pub mod html;
mod markdown_table;
mod sections;
pub mod story;
mod table;
mod terminal;

pub use crate::vocab::number::{format_number, format_tick, format_value, format_value_rounded, format_value_short};
pub use table::{sparkline, table, HISTORY_PERIODS};
pub use terminal::{status_label, status_symbol, Style};

use crate::eval::period::Period;
use crate::eval::{Evaluation, KpiResult, Row, TargetValue};
use crate::vocab::Unit;
use serde::Serialize;
use std::collections::BTreeSet;

/// Version of the JSON schema of `kpic eval --format json` (docs/evaluation.md).
pub const JSON_VERSION: u32 = 2;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    spec: &'a str,
    #[serde(flatten)]
    evaluation: &'a Evaluation,
}

pub fn json(spec: &str, eval: &Evaluation) -> String {
    serde_json::to_string_pretty(&JsonReport { version: JSON_VERSION, spec, evaluation: eval })
        .expect("results serialize")
}

/// A CSV document: the header, then the rows, quoted where a field needs it
/// (RFC 4180, through the `csv` crate).
fn csv_document(header: &str, rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header.split(',')).expect("CSV into memory");
    for row in rows {
        w.write_record(&row).expect("CSV into memory");
    }
    String::from_utf8(w.into_inner().expect("CSV into memory")).expect("UTF-8 fields make UTF-8 CSV")
}

/// Scorecards as CSV: a line per KPI of each entity and period, and a total line
/// with the score, coefficient and bonus.
pub fn scorecards_csv(eval: &Evaluation) -> String {
    let mut rows = Vec::new();
    for card in &eval.scorecards {
        for r in &card.rows {
            let e = machine_entity([(&card.by, &r.entity)]);
            let head = [card.name.clone(), r.period.to_string(), e];
            for p in &r.parts {
                let mut f = head.to_vec();
                f.extend([p.kpi.clone(), num(Some(p.weight)), num(Some(p.effective_weight)), num(p.attainment)]);
                f.extend([num(p.counted), num(Some(p.contribution)), p.status.key().into()]);
                f.extend(std::iter::repeat_n(String::new(), 5));
                rows.push(f);
            }
            let mut f = head.to_vec();
            f.push("(total)".into());
            f.extend(std::iter::repeat_n(String::new(), 6));
            f.extend([
                num(r.score),
                num(r.coefficient),
                num(r.bonus),
                r.currency.clone().unwrap_or_default(),
                crate::eval::joined_notes(&r.notes),
            ]);
            rows.push(f);
        }
    }
    csv_document(
        "scorecard,period,entity,kpi,weight,effective_weight,attainment,counted,contribution,status,score,coefficient,bonus,currency,notes",
        rows,
    )
}

/// Cascades as CSV: a line per node of the tree and period.
pub fn cascades_csv(eval: &Evaluation) -> String {
    let rows = eval.cascades.iter().flat_map(|c| {
        c.rows.iter().map(move |r| {
            let path = machine_entity(r.path.iter().map(|(d, v)| (d, v)));
            let target = r.target.map(|t| match t {
                TargetValue::AtLeast { value } | TargetValue::AtMost { value } => value,
                TargetValue::Between { low, .. } => low,
            });
            vec![
                c.kpi.clone(),
                r.period.to_string(),
                r.depth.to_string(),
                path,
                num(r.actual),
                num(target),
                num(r.attainment),
                r.status.key().into(),
                crate::eval::joined_notes(&r.notes),
            ]
        })
    });
    csv_document("cascade,period,depth,path,actual,target,attainment,status,notes", rows)
}

/// One line per KPI, period and entity.
pub fn csv(eval: &Evaluation) -> String {
    let rows = eval.kpis.iter().flat_map(|k| {
        k.rows.iter().map(move |r| {
            let (direction, target, high) = match r.target {
                Some(TargetValue::AtLeast { value }) => (">=", Some(value), None),
                Some(TargetValue::AtMost { value }) => ("<=", Some(value), None),
                Some(TargetValue::Between { low, high }) => ("between", Some(low), Some(high)),
                None => ("", None, None),
            };
            vec![
                k.name.clone(),
                r.period.to_string(),
                entity(k, r),
                num(r.actual),
                direction.to_string(),
                num(target),
                num(high),
                num(r.attainment),
                r.status.key().to_string(),
                num(r.gap),
                crate::eval::joined_notes(&r.notes),
            ]
        })
    });
    csv_document("kpi,period,entity,actual,direction,target,target_high,attainment,status,gap,notes", rows)
}

fn num(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{}", (x * 1e9).round() / 1e9))
}

fn entity(k: &KpiResult, r: &Row) -> String {
    machine_entity(k.dimensions.iter().zip(&r.entity))
}

/// An entity as the machine formats write it: `manager=Anna;city=`, each
/// dimension with its value, a missing value empty (as an empty CSV cell is).
fn machine_entity<'a>(parts: impl IntoIterator<Item = (&'a String, &'a Option<String>)>) -> String {
    parts.into_iter().map(|(d, v)| format!("{d}={}", v.as_deref().unwrap_or(""))).collect::<Vec<_>>().join(";")
}

/// A heading and a table per KPI, in Markdown.
pub fn markdown(eval: &Evaluation) -> String {
    let mut out = String::new();
    for k in &eval.kpis {
        out.push_str(&format!("### {}\n\n", heading(k)));
        let (shown, left_out) = periods_with_data(k);
        let k = &shown;
        let mut header = vec!["Period".to_string()];
        header.extend(k.dimensions.iter().cloned());
        header.extend(["Actual", "Target", "Attainment", "Status", "Gap"].map(String::from));
        let right: Vec<bool> = (0..header.len()).map(|i| i > k.dimensions.len() && i != header.len() - 2).collect();
        let rows: Vec<Vec<String>> = k.rows.iter().map(|r| cells(k, r)).collect();
        out.push_str(&markdown_table::write(&header, &right, &rows));
        if let Some(line) = left_out {
            out.push_str(&format!("\n{line}\n"));
        }
        out.push('\n');
    }
    for card in &eval.scorecards {
        out.push_str(&format!(
            "### Scorecard {} (by {}, missing KPIs: {})\n\n",
            card.name,
            card.by,
            missing_word(card)
        ));
        let (h, rows) = sections::scorecard_rows(card);
        out.push_str(&markdown_table::write(&h, &[], &rows));
        out.push('\n');
    }
    for c in &eval.cascades {
        out.push_str(&format!("### Cascade {}\n\n", c.kpi));
        let unit = c.unit.clone();
        let (h, rows) = sections::cascade_rows(c, |v| format_value(&unit, v));
        out.push_str(&markdown_table::write(&h, &[], &rows));
        out.push('\n');
    }
    out
}

fn missing_word(card: &crate::eval::scorecard::ScorecardResult) -> &'static str {
    match card.missing {
        crate::vocab::MissingRule::Exclude => "excluded, weights renormalised",
        crate::vocab::MissingRule::Zero => "counted as zero",
    }
}

/// A KPI as the human formats show it: only the periods in which some row
/// has data, when some do (a daily KPI over a year of ten sales would
/// otherwise be 365 lines of "no data"), and a line that says how many were
/// left out. The machine formats list every period.
pub(crate) fn periods_with_data(k: &KpiResult) -> (std::borrow::Cow<'_, KpiResult>, Option<String>) {
    let has_data: BTreeSet<Period> = k.rows.iter().filter(|r| r.has_result()).map(|r| r.period).collect();
    let all: BTreeSet<Period> = k.rows.iter().map(|r| r.period).collect();
    let empty = all.len() - has_data.len();
    if empty == 0 || has_data.is_empty() {
        return (std::borrow::Cow::Borrowed(k), None);
    }
    let mut shown = k.clone();
    shown.rows.retain(|r| has_data.contains(&r.period));
    let periods = if empty == 1 { "period" } else { "periods" };
    let line = format!("{empty} {periods} without data not shown (`--format csv` or `json` lists every period)");
    (std::borrow::Cow::Owned(shown), Some(line))
}

fn heading(k: &KpiResult) -> String {
    let mut h = k.name.clone();
    if let Some(l) = &k.label {
        h.push_str(&format!(": {l}"));
    }
    h.push_str(&format!(" ({})", grain_text(k)));
    h
}

/// "per month, by manager"
fn grain_text(k: &KpiResult) -> String {
    let by = if k.dimensions.is_empty() { String::new() } else { format!(", by {}", k.dimensions.join(", ")) };
    format!("per {}{by}", k.grain.as_str())
}

fn cells(k: &KpiResult, r: &Row) -> Vec<String> {
    let mut c = vec![r.period.to_string()];
    c.extend(r.entity.iter().map(|v| v.clone().unwrap_or_else(|| "(empty)".into())));
    c.push(r.actual.map_or("—".into(), |a| format_value(&k.unit, a)));
    c.push(target_text(&k.unit, r.target));
    c.push(r.attainment.map_or("—".into(), |a| format!("{}%", format_number(a * 100.0, 1))));
    let mut status = r.status.label().to_string();
    if !r.notes.is_empty() {
        status.push_str(&format!(" ({})", crate::eval::joined_notes(&r.notes)));
    }
    c.push(status);
    c.push(r.gap.map_or("—".into(), |g| signed(&k.unit, g)));
    c
}

fn signed(unit: &Unit, g: f64) -> String {
    if g > 0.0 {
        format!("+{}", format_value(unit, g))
    } else {
        format_value(unit, g)
    }
}

pub(crate) fn target_text(unit: &Unit, t: Option<TargetValue>) -> String {
    target_text_by(t, |v| format_value(unit, v))
}

/// "≥ 3,000", "≤ 5%", "10 – 20", "—", with values as `value` writes them.
pub(crate) fn target_text_by(t: Option<TargetValue>, value: impl Fn(f64) -> String) -> String {
    match t {
        None => "—".into(),
        Some(TargetValue::AtLeast { value: v }) => format!("≥ {}", value(v)),
        Some(TargetValue::AtMost { value: v }) => format!("≤ {}", value(v)),
        Some(TargetValue::Between { low, high }) => format!("{} – {}", value(low), value(high)),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_document;

    #[test]
    fn csv_quotes_only_what_needs_it_and_reads_back() {
        let rows = vec![
            vec!["plain".to_string(), "a, b".to_string(), "say \"hi\"".to_string()],
            vec![String::new(), "two\nlines".to_string(), "x".to_string()],
        ];
        let text = csv_document("one,two,three", rows.clone());
        assert_eq!(text, "one,two,three\nplain,\"a, b\",\"say \"\"hi\"\"\"\n,\"two\nlines\",x\n");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let back: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
        assert_eq!(back, rows);
    }
}
