//! The terminal view: a table per KPI with the status in colour and a symbol,
//! the recent trend as a sparkline and what stands out in words. A table fits
//! the width it is given: by abbreviating first, then by wrapping text.

use super::terminal::{fits, status_color, status_label, status_symbol, wrap, Style};
use super::{format_value, format_value_rounded, format_value_short, heading, missing_word, sections, story};
use crate::eval::cascade::CascadeResult;
use crate::eval::period::Period;
use crate::eval::scorecard::ScorecardResult;
use crate::eval::trends::{self, History};
use crate::eval::Note;
use crate::eval::{Evaluation, KpiResult, Status};
use crate::vocab::Unit;
use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};
use std::collections::BTreeSet;

/// Periods of history in a sparkline.
pub const TREND_PERIODS: usize = 8;
/// Periods before a window that the table and the HTML report read, for their
/// trends and findings.
pub const HISTORY_PERIODS: u32 = TREND_PERIODS as u32 - 1;
/// Findings listed under a KPI's table; the HTML report has them all.
const MAX_FINDINGS: usize = 5;

/// Every KPI, scorecard and cascade of `eval` (narrowed to the reported
/// periods), with trends and findings from `history` (all periods).
pub fn table(eval: &Evaluation, history: &History, style: Style) -> String {
    let mut out = String::new();
    for k in &eval.kpis {
        out.push_str(&kpi_block(k, history, style));
    }
    for card in &eval.scorecards {
        out.push_str(&scorecard_block(card, style));
    }
    for c in &eval.cascades {
        out.push_str(&cascade_block(c, &c.unit, style));
    }
    out
}

/// Values as a sparkline of eight levels between their minimum and maximum;
/// `·` marks a period without a value.
pub fn sparkline(values: &[Option<f64>]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let present = values.iter().flatten();
    let low = present.clone().copied().fold(f64::INFINITY, f64::min);
    let high = present.copied().fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|v| match v {
            None => '·',
            Some(_) if high <= low => LEVELS[3],
            Some(x) => LEVELS[(((x - low) / (high - low)) * 7.0).round() as usize],
        })
        .collect()
}

/// A way to make a KPI table narrower; tried in order until one fits, and the
/// last one wraps what still does not.
#[derive(Clone, Copy)]
struct Layout {
    numbers: Numbers,
    gap: bool,
    attainment_header: &'static str,
    /// The status as a word after its symbol; else the symbol, with a legend.
    status_words: bool,
}

#[derive(Clone, Copy)]
enum Numbers {
    /// As `format_value`: "2,302,767.09 RUB".
    Exact,
    /// Whole amounts of money from 1,000 up: "2,302,767 RUB".
    Rounded,
    /// Abbreviated from 10,000 up: "2.3M RUB".
    Short,
}

const LAYOUTS: [Layout; 6] = [
    Layout { numbers: Numbers::Exact, gap: true, attainment_header: "Attainment", status_words: true },
    Layout { numbers: Numbers::Rounded, gap: true, attainment_header: "Attainment", status_words: true },
    Layout { numbers: Numbers::Rounded, gap: true, attainment_header: "Att.", status_words: true },
    Layout { numbers: Numbers::Rounded, gap: false, attainment_header: "Att.", status_words: true },
    Layout { numbers: Numbers::Short, gap: false, attainment_header: "Att.", status_words: true },
    Layout { numbers: Numbers::Short, gap: false, attainment_header: "Att.", status_words: false },
];

impl Numbers {
    fn format(self, unit: &Unit, v: f64) -> String {
        match self {
            Numbers::Exact => format_value(unit, v),
            Numbers::Rounded => format_value_rounded(unit, v),
            Numbers::Short => format_value_short(unit, v),
        }
    }
}

fn kpi_block(k: &KpiResult, history: &History, style: Style) -> String {
    let (shown, left_out) = super::periods_with_data(k);
    let k = &shown;
    let single = single_period(k.rows.iter().map(|r| r.period));
    let mut title = heading(k);
    if let Some(p) = single {
        title.push_str(&format!(" in {p}"));
    }
    let mut out = wrap(&title, "", style.width as usize);
    if k.rows.is_empty() {
        out.push_str("  no data in the selected periods\n\n");
        return out;
    }
    let notes = Notes::of(k.rows.iter().map(|r| &r.notes));
    let table =
        |layout: Layout, arrangement| kpi_table(k, history, &notes, single.is_none(), layout, style, arrangement);
    // Measured without colour: escape codes take no columns.
    let plain = Style { color: false, ..style };
    let fits = |layout: &&Layout| {
        let text = kpi_table(k, history, &notes, single.is_none(), **layout, plain, ContentArrangement::Disabled);
        fits(&text, style.width)
    };
    let layout = *LAYOUTS.iter().find(fits).unwrap_or(&LAYOUTS[LAYOUTS.len() - 1]);
    out.push_str(&table(layout, ContentArrangement::Dynamic));
    out.push('\n');
    if let Some(line) = left_out {
        out.push_str(&wrap(&line, "", style.width as usize));
    }
    out.push_str(&notes.render(style.width));
    if !layout.status_words {
        let legend: Vec<String> =
            [Status::Met, Status::AtRisk, Status::Missed, Status::NoData].map(status_label).to_vec();
        out.push_str(&wrap(&format!("status: {}", legend.join(", ")), "", style.width as usize));
    }
    if !layout.gap {
        let why = format!("(the gap is left out to fit {} columns; --format csv has it)", style.width);
        out.push_str(&wrap(&why, "", style.width as usize));
    }
    out.push_str(&findings_lines(k, history, style.width));
    out.push('\n');
    out
}

/// What stands out in a KPI, most pressing first; entities with the same
/// finding share a line ("Anna, Boris: missed ...").
fn findings_lines(k: &KpiResult, history: &History, width: u16) -> String {
    let mut findings = trends::findings(history, k);
    findings.sort_by_key(story::rank);
    let mut lines: Vec<(&str, String, Vec<String>)> = Vec::new();
    for f in &findings {
        let sentence = story::sentence(f, &k.unit);
        let who = story::entity_text(&f.entity);
        match lines.iter_mut().find(|(_, s, _)| *s == sentence) {
            Some((_, _, names)) => names.extend(who),
            None => lines.push((story::symbol(f), sentence, who.into_iter().collect())),
        }
    }
    let mut out = String::new();
    for (symbol, sentence, names) in lines.iter().take(MAX_FINDINGS) {
        let who = if names.is_empty() { String::new() } else { format!("{}: ", names.join(", ")) };
        out.push_str(&wrap(&format!("{who}{sentence}"), symbol, width as usize));
    }
    if lines.len() > MAX_FINDINGS {
        out.push_str(&format!("  … and {} more (kpic report has them all)\n", lines.len() - MAX_FINDINGS));
    }
    out
}

/// The distinct notes of a table's rows, numbered under it so that a long note
/// does not widen a column of every row.
struct Notes(Vec<String>);

impl Notes {
    fn of<'a>(rows: impl IntoIterator<Item = &'a Vec<Note>>) -> Notes {
        let mut notes: Vec<String> = Vec::new();
        for n in rows.into_iter().flatten() {
            let n = n.to_string();
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
        Notes(notes)
    }

    /// " (1)", " (1, 2)": the numbers of a row's notes.
    fn refs(&self, row_notes: &[Note]) -> String {
        if row_notes.is_empty() {
            return String::new();
        }
        let numbers: Vec<String> = row_notes
            .iter()
            .filter_map(|n| self.0.iter().position(|x| *x == n.to_string()))
            .map(|i| (i + 1).to_string())
            .collect();
        format!(" ({})", numbers.join(", "))
    }

    /// "(1) text" lines under a table.
    fn render(&self, width: u16) -> String {
        self.0.iter().enumerate().map(|(i, note)| wrap(note, &format!("({})", i + 1), width as usize)).collect()
    }
}

/// The one period of a table, if it has exactly one: the heading names it and
/// the table has no Period column.
fn single_period(periods: impl Iterator<Item = Period>) -> Option<Period> {
    let periods: BTreeSet<Period> = periods.collect();
    (periods.len() == 1).then(|| periods.first().copied()).flatten()
}

/// A scorecard's summary (and the breakdown of its latest period, per entity).
fn scorecard_block(card: &ScorecardResult, style: Style) -> String {
    let single = single_period(card.rows.iter().map(|r| r.period));
    let mut title = format!("Scorecard {} (by {}, missing KPIs: {})", card.name, card.by, missing_word(card));
    if let Some(p) = single {
        title.push_str(&format!(" in {p}"));
    }
    let mut out = wrap(&title, "", style.width as usize);
    let (mut h, mut rows) = sections::scorecard_rows(card);
    sections::drop_column(&mut h, &mut rows, "Notes");
    if single.is_some() {
        sections::drop_column(&mut h, &mut rows, "Period");
    }
    let notes = Notes::of(card.rows.iter().map(|r| &r.notes));
    let who = h.iter().position(|x| x == &card.by).unwrap_or(0);
    for (row, r) in rows.iter_mut().zip(&card.rows) {
        row[who].push_str(&notes.refs(&r.notes));
    }
    out.push_str(&sections::terminal(h, rows, &[], style));
    out.push('\n');
    out.push_str(&notes.render(style.width));
    out.push('\n');
    let Some(last) = card.rows.iter().map(|r| r.period).max() else { return out };
    for r in card.rows.iter().filter(|r| r.period == last) {
        out.push_str(&format!("  {} {} in {}\n", card.by, r.entity.as_deref().unwrap_or("(empty)"), r.period));
        let (h, rows) = sections::breakdown_rows(r);
        let statuses: Vec<Status> = r.parts.iter().map(|p| p.status).collect();
        out.push_str(&sections::terminal(h, rows, &statuses, style));
        out.push_str("\n\n");
    }
    out
}

/// A cascade's tree, a row per node: indented by depth, money rounded, the
/// dimensions named once in the heading.
fn cascade_block(c: &CascadeResult, unit: &Unit, style: Style) -> String {
    let single = single_period(c.rows.iter().map(|r| r.period));
    let mut dims: Vec<&str> = Vec::new();
    for (d, _) in c.rows.iter().flat_map(|r| &r.path) {
        if !dims.contains(&d.as_str()) {
            dims.push(d);
        }
    }
    let mut title = format!("Cascade {}", c.kpi);
    if !dims.is_empty() {
        title.push_str(&format!(" by {}", dims.join(", then ")));
    }
    if let Some(p) = single {
        title.push_str(&format!(" in {p}"));
    }
    let mut out = wrap(&title, "", style.width as usize);
    let notes = Notes::of(c.rows.iter().map(|r| &r.notes));
    let mut header: Vec<String> =
        ["Period", "Node", "Actual", "Target", "Attainment", "Status"].map(String::from).to_vec();
    let value = |v: f64| format_value_rounded(unit, v);
    let mut rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .map(|r| {
            let name = r.path.last().map_or(c.kpi.clone(), |(_, v)| v.clone().unwrap_or_else(|| "(empty)".into()));
            vec![
                r.period.to_string(),
                format!("{}{name}{}", "· ".repeat(r.depth), notes.refs(&r.notes)),
                r.actual.map_or("—".into(), value),
                super::target_text_by(r.target, value),
                r.attainment.map_or("—".into(), |a| format!("{}%", super::format_number(a * 100.0, 1))),
                String::new(),
            ]
        })
        .collect();
    if single.is_some() {
        sections::drop_column(&mut header, &mut rows, "Period");
    }
    let statuses: Vec<Status> = c.rows.iter().map(|r| r.status).collect();
    out.push_str(&sections::terminal(header, rows, &statuses, style));
    out.push('\n');
    out.push_str(&notes.render(style.width));
    out.push('\n');
    out
}

fn kpi_table(
    k: &KpiResult,
    history: &History,
    notes: &Notes,
    with_period: bool,
    layout: Layout,
    style: Style,
    arrangement: ContentArrangement,
) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED).set_content_arrangement(arrangement).set_width(style.width);
    let mut header = Vec::new();
    if with_period {
        header.push("Period".to_string());
    }
    header.extend(k.dimensions.iter().cloned());
    header.extend(["Actual", "Target", layout.attainment_header, "Status"].map(String::from));
    if layout.gap {
        header.push("Gap".into());
    }
    header.push("Trend".into());
    t.set_header(header);
    let value = |v: f64| layout.numbers.format(&k.unit, v);
    for r in &k.rows {
        let mut row = Vec::new();
        if with_period {
            row.push(Cell::new(r.period.to_string()));
        }
        row.extend(r.entity.iter().map(|v| Cell::new(v.as_deref().unwrap_or("(empty)"))));
        let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
        row.push(right(r.actual.map_or("—".into(), value)));
        row.push(right(super::target_text_by(r.target, value)));
        row.push(right(r.attainment.map_or("—".into(), |a| format!("{}%", super::format_number(a * 100.0, 1)))));
        let word = if layout.status_words { status_label(r.status) } else { status_symbol(r.status).to_string() };
        let mut status = Cell::new(format!("{word}{}", notes.refs(&r.notes)));
        if style.color {
            status = status.fg(status_color(r.status));
        }
        row.push(status);
        if layout.gap {
            row.push(right(r.gap.map_or("—".into(), |g| signed(value(g), g))));
        }
        let recent = history.recent(&k.name, &r.entity, r.period, TREND_PERIODS);
        row.push(Cell::new(sparkline(&recent.iter().map(|p| p.actual).collect::<Vec<_>>())));
        t.add_row(row);
    }
    if style.color {
        t.enforce_styling().style_text_only();
    } else {
        t.force_no_tty();
    }
    t.to_string()
}

fn signed(text: String, g: f64) -> String {
    if g > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_spans_eight_levels() {
        assert_eq!(sparkline(&[Some(0.0), Some(7.0), None, Some(3.5), Some(1.0)]), "▁█·▅▂");
        assert_eq!(sparkline(&[Some(5.0), Some(5.0)]), "▄▄");
        assert_eq!(sparkline(&[None]), "·");
        assert_eq!(sparkline(&[]), "");
    }

    #[test]
    fn wrap_keeps_the_symbol_column() {
        let text = wrap("Anna: missed the last 4 periods in a row (2025-03 to 2025-06)", "✗", 30);
        assert_eq!(text, "  ✗ Anna: missed the last 4\n    periods in a row (2025-03\n    to 2025-06)\n");
        assert!(text.lines().all(|l| l.chars().count() <= 30));
        assert_eq!(wrap("Scorecard sales_manager (by manager)", "", 20), "Scorecard\nsales_manager (by\nmanager)\n");
    }
}
