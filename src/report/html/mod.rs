//! The HTML report (docs/report.md): one self-contained page, no script and no
//! network (a Content-Security-Policy forbids both), inline SVG charts drawn by
//! `charts`, a small stylesheet that also lays the page out for print.
//!
//! Sections: the header (spec, data, periods, generation time), the story
//! (findings in words), scorecards, one section per KPI, cascades.

mod cards;
mod charts;
mod markup;
mod svg;

pub use markup::escape;

use crate::eval::period::Period;
use crate::eval::trends::{self, Finding, History, Point};
use crate::eval::{Evaluation, KpiResult, Row, Status};
use crate::report::{
    format_number, format_value, format_value_rounded, grain_text, status_symbol, story, target_text, target_text_by,
};
use charts::{Bar, Size};
use markup::Markup;

/// What the header says about the run; the CLI fills it in (the library has no
/// clock), so tests fix the time.
#[derive(Debug, Clone)]
pub struct Meta {
    /// The spec as given on the command line.
    pub spec: String,
    /// Each source and the file it was read from.
    pub data: Vec<(String, String)>,
    /// When the report was made, as it should read.
    pub generated: String,
}

/// Findings listed in the story at the top; each KPI's section has all of its own.
const STORY_FINDINGS: usize = 12;
/// A trend chart shows at least this many periods (earlier ones for context
/// when fewer are reported).
const TREND_MIN_PERIODS: usize = 6;

/// The report of `eval` (narrowed to the reported periods), with trends and
/// findings from `history` (all periods).
pub fn html(meta: &Meta, eval: &Evaluation, history: &History) -> String {
    let spec_name =
        std::path::Path::new(&meta.spec).file_name().map_or(meta.spec.clone(), |n| n.to_string_lossy().into());
    let mut m = Markup::new();
    m.doctype().open("html", &[("lang", "en")]).open("head", &[]);
    m.empty("meta", &[("charset", "utf-8")]);
    m.empty("meta", &[("name", "viewport"), ("content", "width=device-width, initial-scale=1")]);
    m.empty(
        "meta",
        &[("http-equiv", "Content-Security-Policy"), ("content", "default-src 'none'; style-src 'unsafe-inline'")],
    );
    m.empty("meta", &[("name", "generator"), ("content", concat!("kpic ", env!("CARGO_PKG_VERSION")))]);
    m.leaf("title", &[], &format!("KPI report: {spec_name}"));
    m.style(include_str!("style.css"));
    m.close("head").open("body", &[]);

    let findings = all_findings(eval, history);
    header(&mut m, meta, eval, &spec_name);
    nav(&mut m, eval);
    glance(&mut m, eval, &findings);
    if !eval.scorecards.is_empty() {
        m.open("section", &[("id", "scorecards")]).leaf("h2", &[], "Scorecards");
        for card in &eval.scorecards {
            m.append(cards::scorecard(card));
        }
        m.close("section");
    }
    m.open("section", &[("id", "kpis")]).leaf("h2", &[], "KPIs");
    for (i, k) in eval.kpis.iter().enumerate() {
        let own: Vec<&Finding> = findings.iter().filter(|f| f.kpi == k.name).collect();
        m.append(kpi_section(i, k, history, &own));
    }
    m.close("section");
    if !eval.cascades.is_empty() {
        m.open("section", &[("id", "cascades")]).leaf("h2", &[], "Cascades");
        for c in &eval.cascades {
            m.append(cards::cascade(c, eval));
        }
        m.close("section");
    }
    m.open("footer", &[]).text(concat!("Made by kpic ", env!("CARGO_PKG_VERSION"), " from ")).text(&meta.spec);
    m.text(". The numbers are those of kpic eval; how findings are found: docs/report.md.").close("footer");
    m.close("body").close("html");
    m.finish()
}

/// The CSS class of a status: its colour.
pub(super) fn status_class(s: Status) -> &'static str {
    match s {
        Status::Met => "s-met",
        Status::AtRisk => "s-risk",
        Status::Missed => "s-missed",
        Status::NoData => "s-nodata",
    }
}

/// A status as a coloured icon and a word.
pub(super) fn chip(m: &mut Markup, s: Status, word: &str) {
    m.open("span", &[("class", &format!("status {}", status_class(s)))]);
    m.leaf("span", &[("class", "icon"), ("aria-hidden", "true")], status_symbol(s));
    m.text(word).close("span");
}

/// Every KPI's findings, most pressing first.
fn all_findings(eval: &Evaluation, history: &History) -> Vec<Finding> {
    let mut all: Vec<Finding> = eval.kpis.iter().flat_map(|k| trends::findings(history, k)).collect();
    all.sort_by_key(story::rank);
    all
}

fn header(m: &mut Markup, meta: &Meta, eval: &Evaluation, spec_name: &str) {
    m.open("header", &[]).leaf("h1", &[], &format!("KPI report: {spec_name}"));
    m.open("dl", &[("class", "meta")]);
    m.leaf("dt", &[], "Spec").leaf("dd", &[], &meta.spec);
    m.leaf("dt", &[], "Data").open("dd", &[]);
    for (i, (source, path)) in meta.data.iter().enumerate() {
        if i > 0 {
            m.empty("br", &[]);
        }
        m.leaf("code", &[], source).text(": ").text(path);
    }
    m.close("dd");
    m.leaf("dt", &[], "Periods").leaf("dd", &[], &period_range(eval).unwrap_or_else(|| "no data".into()));
    m.leaf("dt", &[], "Generated").leaf("dd", &[], &meta.generated);
    m.close("dl");
    m.open("p", &[("class", "legend")]).text("Status: ");
    for (s, word) in
        [(Status::Met, "met"), (Status::AtRisk, "at risk"), (Status::Missed, "missed"), (Status::NoData, "no data")]
    {
        chip(m, s, word);
    }
    m.text(" Charts: the line is the actual, the dashed line the target, the shaded band the at-risk range.");
    m.close("p").close("header");
}

/// "2025-01 to 2025-06": the first and last period reported.
fn period_range(eval: &Evaluation) -> Option<String> {
    let periods: Vec<Period> = eval.kpis.iter().flat_map(|k| k.rows.iter().map(|r| r.period)).collect();
    let first = periods.iter().min_by_key(|p| p.start)?;
    let last = periods.iter().max_by_key(|p| p.end())?;
    Some(if first == last { first.to_string() } else { format!("{first} to {last}") })
}

fn nav(m: &mut Markup, eval: &Evaluation) {
    m.open("nav", &[]).open("ol", &[]);
    m.open("li", &[]).leaf("a", &[("href", "#story")], "What stands out").close("li");
    if !eval.scorecards.is_empty() {
        m.open("li", &[]).leaf("a", &[("href", "#scorecards")], "Scorecards").close("li");
    }
    for (i, k) in eval.kpis.iter().enumerate() {
        m.open("li", &[]).leaf("a", &[("href", &format!("#kpi-{i}"))], &k.name).close("li");
    }
    if !eval.cascades.is_empty() {
        m.open("li", &[]).leaf("a", &[("href", "#cascades")], "Cascades").close("li");
    }
    m.close("ol").close("nav");
}

/// Status counts in each KPI's latest period, and the findings in words.
fn glance(m: &mut Markup, eval: &Evaluation, findings: &[Finding]) {
    m.open("section", &[("id", "story")]).leaf("h2", &[], "What stands out");
    let latest: Vec<&Row> = eval.kpis.iter().flat_map(latest_rows).collect();
    m.open("p", &[("class", "glance")]);
    m.leaf("span", &[], &format!("In each KPI's latest period, {} results:", latest.len()));
    for s in [Status::Met, Status::AtRisk, Status::Missed, Status::NoData] {
        let n = latest.iter().filter(|r| r.status == s).count();
        chip(m, s, &format!("{n} {}", s.label()));
    }
    m.close("p");
    if findings.is_empty() {
        m.leaf(
            "p",
            &[],
            "Nothing stands out: no KPI missed 3 periods in a row, moved far outside its recent range or fell steadily.",
        );
    } else {
        m.open("ul", &[("class", "findings")]);
        for f in findings.iter().take(STORY_FINDINGS) {
            let Some((i, k)) = eval.kpis.iter().enumerate().find(|(_, k)| k.name == f.kpi) else { continue };
            m.open("li", &[]);
            finding_icon(m, f);
            m.leaf("a", &[("href", &format!("#kpi-{i}"))], k.label.as_deref().unwrap_or(&k.name));
            if let Some(e) = story::entity_text(&f.entity) {
                m.text(" · ").leaf("b", &[], &e);
            }
            m.text(": ").text(&story::sentence(f, &k.unit)).close("li");
        }
        m.close("ul");
        if findings.len() > STORY_FINDINGS {
            let more = findings.len() - STORY_FINDINGS;
            m.leaf("p", &[("class", "note")], &format!("{more} more in the KPI sections below."));
        }
    }
    m.close("section");
}

fn finding_icon(m: &mut Markup, f: &Finding) {
    let class = format!("status {}", status_class(story::severity(f)));
    m.open("span", &[("class", &class)]);
    m.leaf("span", &[("class", "icon"), ("aria-hidden", "true")], story::symbol(f)).close("span");
}

fn latest_rows(k: &KpiResult) -> impl Iterator<Item = &Row> {
    let latest = k.rows.iter().map(|r| r.period).max();
    k.rows.iter().filter(move |r| Some(r.period) == latest)
}

fn kpi_section(index: usize, k: &KpiResult, history: &History, findings: &[&Finding]) -> Markup {
    let mut m = Markup::new();
    m.open("article", &[("class", "kpi"), ("id", &format!("kpi-{index}"))]);
    m.open("header", &[]).leaf("h3", &[], k.label.as_deref().unwrap_or(&k.name)).leaf("code", &[], &k.name);
    let mut sub = grain_text(k);
    if let Some(owner) = &k.owner {
        sub.push_str(&format!(" · owner: {owner}"));
    }
    m.leaf("span", &[("class", "sub")], &sub).close("header");
    let latest: Vec<&Row> = latest_rows(k).collect();
    let Some(period) = latest.first().map(|r| r.period) else {
        m.leaf("p", &[("class", "note")], "No data in the selected periods.").close("article");
        return m;
    };
    let span = k.rows.iter().map(|r| r.period).collect::<std::collections::BTreeSet<_>>().len().max(TREND_MIN_PERIODS);
    if k.dimensions.is_empty() {
        latest_single(&mut m, k, latest[0]);
        findings_list(&mut m, k, findings);
        let points = history.recent(&k.name, &Vec::new(), period, span);
        let title = format!("{}: trend to {period}", k.name);
        m.open("figure", &[]).append(charts::trend(&title, points, &k.unit, k.warn, Size::Large)).close("figure");
    } else {
        latest_by_entity(&mut m, k, &latest, period);
        findings_list(&mut m, k, findings);
        m.open("div", &[("class", "multiples")]);
        for r in &latest {
            let who = story::entity_text(&r.entity).unwrap_or_default();
            let points: &[Point] = history.recent(&k.name, &r.entity, period, span);
            m.open("figure", &[]).leaf("figcaption", &[], &who);
            let title = format!("{}, {who}: trend to {period}", k.name);
            m.append(charts::trend(&title, points, &k.unit, k.warn, Size::Small)).close("figure");
        }
        m.close("div");
    }
    m.close("article");
    m
}

/// A KPI without `by`: the latest actual against its target, in numbers and as a bullet.
fn latest_single(m: &mut Markup, k: &KpiResult, r: &Row) {
    let value = |v: Option<f64>| v.map_or("—".into(), |v| format_value(&k.unit, v));
    m.open("div", &[("class", "latest")]);
    m.leaf("b", &[], &r.period.to_string());
    chip(m, r.status, r.status.label());
    m.leaf("span", &[], &format!("actual {}", value(r.actual)));
    m.leaf("span", &[], &format!("target {}", target_text(&k.unit, r.target)));
    m.leaf("span", &[], &format!("attainment {}", percent(r.attainment)));
    if let Some(g) = r.gap {
        let sign = if g > 0.0 { "+" } else { "" };
        m.leaf("span", &[], &format!("gap {sign}{}", format_value(&k.unit, g)));
    }
    m.close("div");
    notes(m, &r.notes);
    let title = format!("{}: actual against target in {}", k.name, r.period);
    m.open("figure", &[]);
    m.append(charts::bullet(&title, r.actual, r.target, k.warn, r.status, &k.unit)).close("figure");
}

/// A KPI by entity: how many met in the latest period, and attainment bars, best first.
fn latest_by_entity(m: &mut Markup, k: &KpiResult, latest: &[&Row], period: Period) {
    m.open("div", &[("class", "latest")]).leaf("b", &[], &period.to_string());
    for s in [Status::Met, Status::AtRisk, Status::Missed, Status::NoData] {
        let n = latest.iter().filter(|r| r.status == s).count();
        if n > 0 {
            chip(m, s, &format!("{n} {}", s.label()));
        }
    }
    m.leaf("span", &[], &format!("of {}, by {}", latest.len(), k.dimensions.join(" and ")));
    m.close("div");
    let mut sorted: Vec<&Row> = latest.to_vec();
    sorted.sort_by(|a, b| {
        b.attainment.unwrap_or(f64::NEG_INFINITY).total_cmp(&a.attainment.unwrap_or(f64::NEG_INFINITY))
    });
    let bars: Vec<Bar> = sorted
        .iter()
        .map(|r| Bar {
            label: story::entity_text(&r.entity).unwrap_or_default(),
            attainment: r.attainment,
            status: r.status,
            detail: format!(
                "{} of {}",
                r.actual.map_or("—".into(), |a| format_value_rounded(&k.unit, a)),
                target_text_by(r.target, |v| format_value_rounded(&k.unit, v))
            ),
        })
        .collect();
    let title = format!("{}: attainment by {} in {period}, best first", k.name, k.dimensions.join(" / "));
    m.open("figure", &[]).leaf("figcaption", &[], "Attainment in the latest period, best first");
    m.append(charts::attainment(&title, &bars)).close("figure");
}

fn findings_list(m: &mut Markup, k: &KpiResult, findings: &[&Finding]) {
    if findings.is_empty() {
        return;
    }
    m.open("ul", &[("class", "findings")]);
    for f in findings {
        m.open("li", &[]);
        finding_icon(m, f);
        if let Some(e) = story::entity_text(&f.entity) {
            m.leaf("b", &[], &e).text(": ");
        }
        m.text(&story::sentence(f, &k.unit)).close("li");
    }
    m.close("ul");
}

pub(super) fn notes(m: &mut Markup, notes: &[crate::eval::Note]) {
    if !notes.is_empty() {
        m.leaf("p", &[("class", "note")], &crate::eval::joined_notes(notes));
    }
}

pub(super) fn percent(v: Option<f64>) -> String {
    v.map_or("—".into(), |a| format!("{}%", format_number(a * 100.0, 1)))
}
