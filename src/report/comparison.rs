//! A diff of two spec versions as a terminal table, Markdown for a pull request
//! comment, or JSON. Every changed value reads `before → after`.

use super::markdown_table;
use super::sections::terminal;
use super::{format_number, format_value, target_text, Style};
use crate::eval::compare::{Diff, Payout, Side};
use crate::vocab::Unit;

/// Version of the JSON schema of `kpic diff --format json`.
pub const JSON_VERSION: u32 = 1;

/// The labels of the two versions, e.g. `main` and `working tree`.
pub struct Versions<'a> {
    pub old: &'a str,
    pub new: &'a str,
}

pub fn json(versions: &Versions, diff: &Diff) -> String {
    let doc = serde_json::json!({ "version": JSON_VERSION, "old": versions.old, "new": versions.new, "diff": diff });
    serde_json::to_string_pretty(&doc).expect("diff serializes")
}

/// For the terminal: results and payouts get a table per KPI and scorecard, so
/// the name column does not eat the width.
pub fn table(versions: &Versions, diff: &Diff, style: Style) -> String {
    let mut out = format!("kpic diff: {} → {}\n", versions.old, versions.new);
    out.push_str(&summary(diff));
    for Section { title, mut header, rows, per_name } in sections(diff) {
        if !per_name {
            out.push_str(&format!("\n{title}\n"));
            out.push_str(&terminal(header, rows, &[], style));
            out.push('\n');
            continue;
        }
        header.remove(0);
        let mut names: Vec<&String> = rows.iter().map(|r| &r[0]).collect();
        names.dedup();
        for name in names {
            let group: Vec<Vec<String>> = rows.iter().filter(|r| &r[0] == name).map(|r| r[1..].to_vec()).collect();
            out.push_str(&format!("\n{name}: {} moved\n", group.len()));
            out.push_str(&terminal(header.clone(), group, &[], style));
            out.push('\n');
        }
    }
    out
}

/// Markdown ready to paste into a pull request comment.
pub fn markdown_report(versions: &Versions, diff: &Diff) -> String {
    let mut out = format!(
        "### What this change does to the numbers\n\n`{}` → `{}`: {}",
        versions.old,
        versions.new,
        summary(diff)
    );
    for Section { title, header, rows, .. } in sections(diff) {
        out.push_str(&format!("\n#### {title}\n\n"));
        out.push_str(&markdown_table::write(&header, &[], &rows));
    }
    out
}

fn summary(diff: &Diff) -> String {
    if diff.is_empty() {
        return "no KPI, scorecard, cascade, target, result or payout changed.\n".into();
    }
    let mut parts = Vec::new();
    let count = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let names = |names: &[String], one: &str, many: &str, verb: &str| {
        format!("{} {verb} ({})", count(names.len(), one, many), names.join(", "))
    };
    for (list, one, many) in [
        (&diff.added, "KPI", "KPIs"),
        (&diff.scorecards.added, "scorecard", "scorecards"),
        (&diff.cascades.added, "cascade", "cascades"),
    ] {
        if !list.is_empty() {
            parts.push(names(list, one, many, "added"));
        }
    }
    for (list, one, many) in [
        (&diff.removed, "KPI", "KPIs"),
        (&diff.scorecards.removed, "scorecard", "scorecards"),
        (&diff.cascades.removed, "cascade", "cascades"),
    ] {
        if !list.is_empty() {
            parts.push(names(list, one, many, "removed"));
        }
    }
    if !diff.targets.is_empty() {
        parts.push(format!("{} changed", count(diff.targets.len(), "target", "targets")));
    }
    if !diff.rows.is_empty() {
        parts.push(format!("{} moved", count(diff.rows.len(), "result", "results")));
    }
    if !diff.cascade_rows.is_empty() {
        parts.push(format!("{} moved", count(diff.cascade_rows.len(), "cascade node", "cascade nodes")));
    }
    if !diff.payouts.is_empty() {
        parts.push(format!("{} moved", count(diff.payouts.len(), "payout", "payouts")));
    }
    format!("{}.\n", parts.join(", "))
}

/// A table of the report; `per_name` tables have the KPI or scorecard in their
/// first column, and the terminal splits them by it.
struct Section {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    per_name: bool,
}

fn sections(diff: &Diff) -> Vec<Section> {
    let mut out = Vec::new();
    let header = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    if !diff.targets.is_empty() {
        let rows = diff.targets.iter().map(|t| vec![t.kpi.clone(), t.old_text.clone(), t.new_text.clone()]).collect();
        out.push(Section {
            title: "Targets changed".into(),
            header: header(&["KPI", "Before", "After"]),
            rows,
            per_name: false,
        });
    }
    if !diff.rows.is_empty() {
        let rows =
            diff.rows.iter().map(|r| sides_row([&r.kpi, &r.period, &r.entity], &r.unit, &r.old, &r.new)).collect();
        let title = format!("Results that moved ({})", diff.rows.len());
        let header = header(&["KPI", "Period", "Entity", "Actual", "Target", "Status"]);
        out.push(Section { title, header, rows, per_name: true });
    }
    if !diff.cascade_rows.is_empty() {
        let rows = diff
            .cascade_rows
            .iter()
            .map(|r| sides_row([&r.cascade, &r.period, &r.node], &r.unit, &r.old, &r.new))
            .collect();
        let title = format!("Cascade nodes that moved ({})", diff.cascade_rows.len());
        let header = header(&["Cascade", "Period", "Node", "Actual", "Target", "Status"]);
        out.push(Section { title, header, rows, per_name: true });
    }
    if !diff.payouts.is_empty() {
        let rows = diff
            .payouts
            .iter()
            .map(|p| {
                let side = |s: &Option<Payout>, f: &dyn Fn(&Payout) -> String| s.as_ref().map_or("—".to_string(), f);
                let score = |s: &Payout| s.score.map_or("—".into(), |v| format_value(&Unit::Ratio, v));
                let coefficient = |s: &Payout| s.coefficient.map_or("—".into(), |v| format_number(v, 3));
                let bonus = |s: &Payout| {
                    s.bonus.map_or("—".into(), |v| match &s.currency {
                        Some(c) => crate::vocab::number::format_money(v, c),
                        None => format_value(&Unit::Number, v),
                    })
                };
                vec![
                    p.scorecard.clone(),
                    p.period.clone(),
                    p.entity.clone(),
                    moved(side(&p.old, &score), side(&p.new, &score)),
                    moved(side(&p.old, &coefficient), side(&p.new, &coefficient)),
                    moved(side(&p.old, &bonus), side(&p.new, &bonus)),
                ]
            })
            .collect();
        let title = format!("Payouts that moved ({})", diff.payouts.len());
        let header = header(&["Scorecard", "Period", "Entity", "Score", "Payout", "Bonus"]);
        out.push(Section { title, header, rows, per_name: true });
    }
    out
}

/// The row of a result that moved: its name, period and entity, then actual,
/// target and status, each `before → after`.
fn sides_row(key: [&String; 3], unit: &Unit, old: &Option<Side>, new: &Option<Side>) -> Vec<String> {
    let side = |s: &Option<Side>, f: &dyn Fn(&Side) -> String| s.as_ref().map_or("—".to_string(), f);
    let actual = |s: &Side| s.actual.map_or("—".into(), |v| format_value(unit, v));
    let target = |s: &Side| target_text(unit, s.target);
    let status = |s: &Side| s.status.label().to_string();
    let mut row: Vec<String> = key.map(String::clone).to_vec();
    row.extend([
        moved(side(old, &actual), side(new, &actual)),
        moved(side(old, &target), side(new, &target)),
        moved(side(old, &status), side(new, &status)),
    ]);
    row
}

/// `before → after`, or the value alone when it did not move.
fn moved(before: String, after: String) -> String {
    if before == after {
        before
    } else {
        format!("{before} → {after}")
    }
}
