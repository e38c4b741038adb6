//! Scorecard and cascade sections of the reports.

use super::{format_number, format_value, status_color, target_text};
use crate::eval::cascade::CascadeResult;
use crate::eval::scorecard::{ScoreRow, ScorecardResult};
use crate::sema::types::Unit;
use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format!("{}%", format_number(x * 100.0, 1)))
}

fn coef(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format_number(x, 3))
}

fn bonus(r: &ScoreRow) -> String {
    match (r.bonus, &r.currency) {
        (Some(b), Some(c)) => format!("{} {c}", format_number(b, 2)),
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
                r.notes.join("; "),
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
                p.status.as_str().to_string(),
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

pub fn cascade_rows(c: &CascadeResult, unit: &Unit) -> (Vec<String>, Vec<Vec<String>>) {
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
                r.actual.map_or("—".into(), |a| format_value(unit, a)),
                target_text(unit, r.target),
                pct(r.attainment),
                r.status.as_str().to_string(),
                r.notes.join("; "),
            ]
        })
        .collect();
    (header, rows)
}

pub fn terminal(
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    status_col: Option<usize>,
    statuses: &[crate::eval::Status],
    color: bool,
) -> String {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(100);
    t.set_header(header);
    for (i, row) in rows.into_iter().enumerate() {
        let cells: Vec<Cell> = row
            .into_iter()
            .enumerate()
            .map(|(j, text)| {
                let numeric =
                    text.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+' || c == '—') && j > 0;
                let mut cell = Cell::new(text);
                if numeric {
                    cell = cell.set_alignment(CellAlignment::Right);
                }
                if color && Some(j) == status_col {
                    if let Some(s) = statuses.get(i) {
                        cell = cell.fg(status_color(*s));
                    }
                }
                cell
            })
            .collect();
        t.add_row(cells);
    }
    if !color {
        t.force_no_tty();
    }
    t.to_string()
}

pub fn markdown(header: &[String], rows: &[Vec<String>]) -> String {
    let mut out =
        format!("| {} |\n| {} |\n", header.join(" | "), header.iter().map(|_| "---").collect::<Vec<_>>().join(" | "));
    for r in rows {
        out.push_str(&format!("| {} |\n", r.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | ")));
    }
    out
}
