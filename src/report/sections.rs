//! Scorecard and cascade sections of the reports.

use super::terminal::{fits, status_color, status_label, Style};
use super::{format_number, target_text_by};
use crate::eval::cascade::CascadeResult;
use crate::eval::scorecard::{ScoreRow, ScorecardResult};
use crate::eval::Status;
use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format!("{}%", format_number(x * 100.0, 1)))
}

fn coef(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format_number(x, 3))
}

fn bonus(r: &ScoreRow) -> String {
    match (r.bonus, &r.currency) {
        (Some(b), Some(c)) => crate::vocab::number::format_money(b, c),
        (Some(b), None) => format_number(b, 2),
        _ => "—".into(),
    }
}

fn entity(e: &Option<String>) -> String {
    e.clone().unwrap_or_else(|| "(empty)".into())
}

/// Summary rows: one per entity and period.
pub fn scorecard_rows(card: &ScorecardResult) -> (Vec<String>, Vec<Vec<String>>) {
    let header =
        vec!["Period".into(), card.by.clone(), "Score".into(), "Coefficient".into(), "Bonus".into(), "Notes".into()];
    let rows = card
        .rows
        .iter()
        .map(|r| {
            vec![
                r.period.to_string(),
                entity(&r.entity),
                pct(r.score),
                coef(r.coefficient),
                bonus(r),
                crate::eval::joined_notes(&r.notes),
            ]
        })
        .collect();
    (header, rows)
}

/// The breakdown of one row: each KPI's weight, attainment and contribution.
pub fn breakdown_rows(r: &ScoreRow) -> (Vec<String>, Vec<Vec<String>>) {
    let header =
        ["KPI", "Weight", "Effective", "Attainment", "Counted", "Contribution", "Status"].map(String::from).to_vec();
    let mut rows: Vec<Vec<String>> = r
        .parts
        .iter()
        .map(|p| {
            vec![
                p.kpi.clone(),
                pct(Some(p.weight)),
                pct(Some(p.effective_weight)),
                pct(p.attainment),
                pct(p.counted),
                pct(Some(p.contribution)),
                p.status.label().to_string(),
            ]
        })
        .collect();
    rows.push(vec![
        "score".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        pct(r.score),
        String::new(),
    ]);
    (header, rows)
}

/// A row per node and period: the node indented by its depth and named with its
/// dimension, values as `value` writes them.
pub fn cascade_rows(c: &CascadeResult, value: impl Fn(f64) -> String) -> (Vec<String>, Vec<Vec<String>>) {
    let header = ["Period", "Node", "Actual", "Target", "Attainment", "Status", "Notes"].map(String::from).to_vec();
    let rows = c
        .rows
        .iter()
        .map(|r| {
            let node = match r.path.last() {
                None => c.kpi.clone(),
                Some((dim, v)) => format!("{}{dim} {}", "  ".repeat(r.depth), entity(v)),
            };
            vec![
                r.period.to_string(),
                node,
                r.actual.map_or("—".into(), &value),
                target_text_by(r.target, &value),
                pct(r.attainment),
                r.status.label().to_string(),
                crate::eval::joined_notes(&r.notes),
            ]
        })
        .collect();
    (header, rows)
}

/// Headers shortened when a table is too wide for the terminal.
const SHORT_HEADERS: [(&str, &str); 4] =
    [("Attainment", "Att."), ("Contribution", "Contrib."), ("Effective", "Eff."), ("Coefficient", "Coef.")];

/// A table for the terminal; the "Status" column (if any) shows `statuses` with
/// their symbols, in colour when `style.color`. Too wide, it shortens its
/// headers, then wraps.
pub fn terminal(header: Vec<String>, rows: Vec<Vec<String>>, statuses: &[Status], style: Style) -> String {
    // Measured without colour: escape codes take no columns.
    let plain = Style { color: false, ..style };
    if fits(&render(header.clone(), rows.clone(), statuses, plain, ContentArrangement::Disabled), style.width) {
        return render(header, rows, statuses, style, ContentArrangement::Disabled);
    }
    let short = header
        .into_iter()
        .map(|h| SHORT_HEADERS.iter().find(|(long, _)| *long == h).map_or(h, |(_, s)| s.to_string()))
        .collect();
    render(short, rows, statuses, style, ContentArrangement::Dynamic)
}

/// Remove the column headed `name`; its cells, one per row.
pub fn drop_column(header: &mut Vec<String>, rows: &mut [Vec<String>], name: &str) -> Vec<String> {
    let Some(i) = header.iter().position(|h| h == name) else { return Vec::new() };
    header.remove(i);
    rows.iter_mut().map(|r| r.remove(i)).collect()
}

fn render(
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    statuses: &[Status],
    style: Style,
    arrangement: ContentArrangement,
) -> String {
    let status_col = header.iter().position(|h| h == "Status");
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED).set_content_arrangement(arrangement).set_width(style.width);
    t.set_header(header);
    for (i, row) in rows.into_iter().enumerate() {
        let cells: Vec<Cell> = row
            .into_iter()
            .enumerate()
            .map(|(j, text)| {
                let numeric = text.starts_with(|c: char| c.is_ascii_digit() || "-+—≥≤".contains(c)) && j > 0;
                let status = statuses.get(i).filter(|_| Some(j) == status_col);
                let mut cell = match status {
                    Some(s) => Cell::new(status_label(*s)),
                    None => Cell::new(text),
                };
                if numeric {
                    cell = cell.set_alignment(CellAlignment::Right);
                }
                if let Some(s) = status.filter(|_| style.color) {
                    cell = cell.fg(status_color(*s));
                }
                cell
            })
            .collect();
        t.add_row(cells);
    }
    if style.color {
        t.enforce_styling().style_text_only();
    } else {
        t.force_no_tty();
    }
    t.to_string()
}
