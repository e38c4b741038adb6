//! The reported window pushed down to the rows each query reads: a query reads
//! the periods its KPIs report, and the periods their values look back to
//! (offsets, `change`, previous-period targets, the base period of a
//! proportional cascade), so that `--period 2025-03` does not read a year of
//! history. docs/evaluation.md ("Windows") has the rules.

use super::{KpiExpr, Plan, Window};
use crate::sema::model::{Allocation, CascadeBody, Level, Model, TargetSpec};
use crate::vocab::period::Period;
use chrono::NaiveDate;
use std::collections::HashMap;

/// Narrow what each query of `plan` reads to what reporting `window` needs,
/// with `history` more periods of each KPI before it (the trends a view shows).
/// An unbounded window leaves every query reading every row.
pub fn narrow(plan: &mut Plan, model: &Model, window: Window, history: u32) {
    if window.is_all() {
        return;
    }
    let mut reads: Vec<Option<Vec<Window>>> = vec![Some(Vec::new()); plan.queries.len()];
    let plans = plan.kpis.iter().map(|k| (k, None)).chain(plan.levels.iter().map(|l| (&l.plan, Some(l.cascade))));
    for (kp, cascade) in plans {
        let until = window.until.and_then(|d| d.pred_opt()).map(|d| Period::containing(kp.grain, d).end());
        let Some(from) = window.from else {
            for q in &kp.queries {
                add(&mut reads[*q], Window { from: None, until });
            }
            continue;
        };
        let first = Period::containing(kp.grain, from).shift(kp.grain, i64::from(history));
        let mut earliest = HashMap::new();
        for q in &kp.queries {
            earliest.insert(*q, first.start);
        }
        reach(&kp.value, first, &mut earliest);
        let previous = model.kpis[kp.kpi].targets.iter().any(|t| matches!(t.spec, TargetSpec::Previous { .. }));
        if previous {
            reach(&kp.value, first.previous(), &mut earliest);
        }
        for (q, start) in earliest {
            add(&mut reads[q], Window { from: Some(start), until });
        }
        if let Some(CascadeBody::Levels(level)) = cascade.map(|c| &model.cascades[c].body) {
            for base in proportional_bases(level) {
                for q in &kp.queries {
                    add(&mut reads[*q], Window { from: Some(base.start), until: Some(base.end()) });
                }
            }
        }
    }
    for (query, reads) in plan.queries.iter_mut().zip(reads) {
        query.reads = reads.map(|windows| aligned(windows, query.grain));
    }
}

/// Record in `earliest` the first day of the earliest period each query is
/// read at when `value` is evaluated in `p`.
fn reach(value: &KpiExpr, p: Period, earliest: &mut HashMap<usize, NaiveDate>) {
    match value {
        KpiExpr::Agg { query, .. } => {
            let day = earliest.entry(*query).or_insert(p.start);
            *day = (*day).min(p.start);
        }
        KpiExpr::Const(_) => {}
        KpiExpr::Binary { lhs, rhs, .. } => {
            reach(lhs, p, earliest);
            reach(rhs, p, earliest);
        }
        KpiExpr::Neg(inner) => reach(inner, p, earliest),
        KpiExpr::Offset { value, periods, grain } => reach(value, p.shift(*grain, i64::from(*periods)), earliest),
        KpiExpr::Change(inner) => {
            reach(inner, p, earliest);
            reach(inner, p.previous(), earliest);
        }
    }
}

/// The base periods of the proportional levels of a cascade.
fn proportional_bases(level: &Level) -> Vec<Period> {
    let mut out = Vec::new();
    if let Allocation::Proportional { start, grain } = &level.allocation {
        out.push(Period { grain: *grain, start: *start });
    }
    for next in level.nexts() {
        out.extend(proportional_bases(next));
    }
    out
}

/// Add a window to a query's reads; an unbounded one means every row.
fn add(reads: &mut Option<Vec<Window>>, w: Window) {
    match reads {
        Some(windows) if !w.is_all() => windows.push(w),
        _ => *reads = None,
    }
}

/// Windows widened to whole periods of `grain`, sorted, overlapping and
/// touching ones merged.
fn aligned(windows: Vec<Window>, grain: crate::vocab::Grain) -> Vec<Window> {
    let mut windows: Vec<Window> = windows
        .into_iter()
        .map(|w| Window {
            from: w.from.map(|d| Period::containing(grain, d).start),
            until: w.until.and_then(|d| d.pred_opt()).map(|d| Period::containing(grain, d).end()),
        })
        .collect();
    windows.sort_by_key(|w| w.from);
    let mut out: Vec<Window> = Vec::new();
    for w in windows {
        match out.last_mut() {
            Some(last) if last.until.is_none_or(|u| w.from.is_none_or(|f| f <= u)) => {
                last.until = match (last.until, w.until) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => out.push(w),
        }
    }
    out
}
