//! Renderings of an evaluation: a terminal table, JSON (versioned), CSV, Markdown.

mod number;

pub use number::{format_number, format_value};

use crate::eval::{Evaluation, KpiResult, Row, Status, TargetValue};
use crate::sema::types::Unit;
use comfy_table::{presets, Cell, CellAlignment, Color, ContentArrangement, Table};
use serde::Serialize;

/// Version of the JSON schema of `kpic eval --format json` (docs/evaluation.md).
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    spec: &'a str,
    kpis: &'a [KpiResult],
}

pub fn json(spec: &str, eval: &Evaluation) -> String {
    serde_json::to_string_pretty(&JsonReport { version: JSON_VERSION, spec, kpis: &eval.kpis })
        .expect("results serialize")
}

/// One line per KPI, period and entity.
pub fn csv(eval: &Evaluation) -> String {
    let mut out = String::from("kpi,period,entity,actual,direction,target,target_high,attainment,status,gap,notes\n");
    for k in &eval.kpis {
        for r in &k.rows {
            let (direction, target, high) = match r.target {
                Some(TargetValue::AtLeast { value }) => (">=", Some(value), None),
                Some(TargetValue::AtMost { value }) => ("<=", Some(value), None),
                Some(TargetValue::Between { low, high }) => ("between", Some(low), Some(high)),
                None => ("", None, None),
            };
            let fields = [
                k.name.clone(),
                r.period.to_string(),
                entity(k, r),
                num(r.actual),
                direction.to_string(),
                num(target),
                num(high),
                num(r.attainment),
                r.status.as_str().to_string(),
                num(r.gap),
                r.notes.join("; "),
            ];
            let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
            out.push_str(&quoted.join(","));
            out.push('\n');
        }
    }
    out
}

fn num(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{}", (x * 1e9).round() / 1e9))
}

fn csv_field(f: &str) -> String {
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_string()
    }
}

fn entity(k: &KpiResult, r: &Row) -> String {
    k.dimensions
        .iter()
        .zip(&r.entity)
        .map(|(d, v)| format!("{d}={}", v.as_deref().unwrap_or("(empty)")))
        .collect::<Vec<_>>()
        .join(";")
}

/// A heading and a table per KPI, in Markdown.
pub fn markdown(eval: &Evaluation) -> String {
    let mut out = String::new();
    for k in &eval.kpis {
        out.push_str(&format!("### {}\n\n", heading(k)));
        let mut header = vec!["Period".to_string()];
        header.extend(k.dimensions.iter().cloned());
        header.extend(["Actual", "Target", "Attainment", "Status", "Gap"].map(String::from));
        out.push_str(&format!("| {} |\n", header.join(" | ")));
        let aligns: Vec<&str> = header
            .iter()
            .enumerate()
            .map(|(i, _)| if i > k.dimensions.len() && i != header.len() - 2 { "---:" } else { "---" })
            .collect();
        out.push_str(&format!("| {} |\n", aligns.join(" | ")));
        for r in &k.rows {
            let cells = cells(k, r);
            out.push_str(&format!(
                "| {} |\n",
                cells.iter().map(|c| c.replace('|', "\\|")).collect::<Vec<_>>().join(" | ")
            ));
        }
        out.push('\n');
    }
    out
}

fn heading(k: &KpiResult) -> String {
    let mut h = k.name.clone();
    if let Some(l) = &k.label {
        h.push_str(&format!(": {l}"));
    }
    let by = if k.dimensions.is_empty() { String::new() } else { format!(", by {}", k.dimensions.join(", ")) };
    h.push_str(&format!(" (per {}{by})", k.grain.as_str()));
    h
}

fn cells(k: &KpiResult, r: &Row) -> Vec<String> {
    let mut c = vec![r.period.to_string()];
    c.extend(r.entity.iter().map(|v| v.clone().unwrap_or_else(|| "(empty)".into())));
    c.push(r.actual.map_or("—".into(), |a| format_value(&k.unit, a)));
    c.push(target_text(&k.unit, r.target));
    c.push(r.attainment.map_or("—".into(), |a| format!("{}%", format_number(a * 100.0, 1))));
    let mut status = r.status.as_str().to_string();
    if !r.notes.is_empty() {
        status.push_str(&format!(" ({})", r.notes.join("; ")));
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

fn target_text(unit: &Unit, t: Option<TargetValue>) -> String {
    match t {
        None => "—".into(),
        Some(TargetValue::AtLeast { value }) => format!("≥ {}", format_value(unit, value)),
        Some(TargetValue::AtMost { value }) => format!("≤ {}", format_value(unit, value)),
        Some(TargetValue::Between { low, high }) => {
            format!("{} – {}", format_value(unit, low), format_value(unit, high))
        }
    }
}

/// The terminal table: a block per KPI, status in colour (and words) when `color`.
pub fn table(eval: &Evaluation, color: bool) -> String {
    let mut out = String::new();
    for k in &eval.kpis {
        out.push_str(&heading(k));
        out.push('\n');
        if k.rows.is_empty() {
            out.push_str("  no data in the selected periods\n\n");
            continue;
        }
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(100);
        let mut header = vec!["Period".to_string()];
        header.extend(k.dimensions.iter().cloned());
        header.extend(["Actual", "Target", "Attainment", "Status", "Gap"].map(String::from));
        t.set_header(header);
        for r in &k.rows {
            let n = k.dimensions.len();
            let row: Vec<Cell> = cells(k, r)
                .into_iter()
                .enumerate()
                .map(|(i, text)| {
                    let mut cell = Cell::new(text);
                    if i > n && i != n + 4 {
                        cell = cell.set_alignment(CellAlignment::Right);
                    }
                    if i == n + 4 && color {
                        cell = cell.fg(status_color(r.status));
                    }
                    cell
                })
                .collect();
            t.add_row(row);
        }
        if !color {
            t.force_no_tty();
        }
        out.push_str(&t.to_string());
        out.push_str("\n\n");
    }
    out
}

fn status_color(s: Status) -> Color {
    match s {
        Status::Met => Color::Green,
        Status::AtRisk => Color::Yellow,
        Status::Missed => Color::Red,
        Status::NoData => Color::DarkGrey,
    }
}
