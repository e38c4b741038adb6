//! What a change to a spec does to the numbers: two versions of a spec, each
//! evaluated on the same data, compared KPI by KPI, entity by entity and period by
//! period. Pure data: `report::diff` renders it.

use crate::eval::{Evaluation, Row, Status, TargetValue};
use crate::sema::model::{KpiDef, Model, TargetSpec};
use crate::sema::types::Unit;
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything that moved between the old and the new version.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub targets: Vec<TargetChange>,
    pub rows: Vec<RowChange>,
    pub payouts: Vec<PayoutChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.targets.is_empty()
            && self.rows.is_empty()
            && self.payouts.is_empty()
    }
}

/// A KPI whose declared targets differ.
#[derive(Debug, Clone, Serialize)]
pub struct TargetChange {
    pub kpi: String,
    pub unit: Unit,
    pub old: String,
    pub new: String,
}

/// One KPI, period and entity whose actual, target or status moved; `None` on a
/// side where the row does not exist.
#[derive(Debug, Clone, Serialize)]
pub struct RowChange {
    pub kpi: String,
    pub unit: Unit,
    pub period: String,
    pub entity: String,
    pub old: Option<Side>,
    pub new: Option<Side>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub actual: Option<f64>,
    pub target: Option<TargetValue>,
    pub status: Status,
}

/// One scorecard row whose score, payout coefficient or bonus moved.
#[derive(Debug, Clone, Serialize)]
pub struct PayoutChange {
    pub scorecard: String,
    pub period: String,
    pub entity: String,
    pub old: Option<Payout>,
    pub new: Option<Payout>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payout {
    pub score: Option<f64>,
    pub coefficient: Option<f64>,
    pub bonus: Option<f64>,
    pub currency: Option<String>,
}

/// Compare two versions' models and evaluations.
pub fn compare(old_model: &Model, old: &Evaluation, new_model: &Model, new: &Evaluation) -> Diff {
    let names = |m: &Model| m.kpis.iter().map(|k| k.name.clone()).collect::<Vec<_>>();
    let (old_names, new_names) = (names(old_model), names(new_model));
    let mut diff = Diff {
        added: new_names.iter().filter(|n| !old_names.contains(n)).cloned().collect(),
        removed: old_names.iter().filter(|n| !new_names.contains(n)).cloned().collect(),
        ..Diff::default()
    };
    for new_kpi in &new_model.kpis {
        let Some(old_kpi) = old_model.kpis.iter().find(|k| k.name == new_kpi.name) else { continue };
        let (before, after) = (targets_text(old_kpi), targets_text(new_kpi));
        if before != after {
            diff.targets.push(TargetChange {
                kpi: new_kpi.name.clone(),
                unit: new_kpi.unit.clone(),
                old: before,
                new: after,
            });
        }
    }
    for new_kpi in &new.kpis {
        let Some(old_kpi) = old.kpis.iter().find(|k| k.name == new_kpi.name) else { continue };
        let rows = |rows: &[Row]| -> BTreeMap<(String, String), Side> {
            rows.iter()
                .map(|r| {
                    let entity = match r.entity.as_slice() {
                        [] => "—".to_string(),
                        parts => parts.iter().map(|e| e.as_deref().unwrap_or("∅")).collect::<Vec<_>>().join(" / "),
                    };
                    ((r.period.to_string(), entity), Side { actual: r.actual, target: r.target, status: r.status })
                })
                .collect()
        };
        for ((period, entity), (old, new)) in pair(rows(&old_kpi.rows), rows(&new_kpi.rows)) {
            if !same_side(old.as_ref(), new.as_ref()) {
                diff.rows.push(RowChange {
                    kpi: new_kpi.name.clone(),
                    unit: new_kpi.unit.clone(),
                    period,
                    entity,
                    old,
                    new,
                });
            }
        }
    }
    for new_card in &new.scorecards {
        let Some(old_card) = old.scorecards.iter().find(|c| c.name == new_card.name) else { continue };
        let rows = |card: &crate::eval::scorecard::ScorecardResult| -> BTreeMap<(String, String), Payout> {
            card.rows
                .iter()
                .map(|r| {
                    let key = (r.period.to_string(), r.entity.clone().unwrap_or_else(|| "∅".into()));
                    let payout = Payout {
                        score: r.score,
                        coefficient: r.coefficient,
                        bonus: r.bonus,
                        currency: r.currency.clone(),
                    };
                    (key, payout)
                })
                .collect()
        };
        for ((period, entity), (old, new)) in pair(rows(old_card), rows(new_card)) {
            if !same_payout(old.as_ref(), new.as_ref()) {
                diff.payouts.push(PayoutChange { scorecard: new_card.name.clone(), period, entity, old, new });
            }
        }
    }
    diff
}

/// The old and the new value of one key; `None` where the key is absent.
type Sides<V> = (Option<V>, Option<V>);

/// Both sides of every key, in key order.
fn pair<K: Ord + Clone, V>(mut old: BTreeMap<K, V>, new: BTreeMap<K, V>) -> Vec<(K, Sides<V>)> {
    let mut out: Vec<(K, Sides<V>)> = Vec::new();
    for (k, v) in new {
        let before = old.remove(&k);
        out.push((k, (before, Some(v))));
    }
    out.extend(old.into_iter().map(|(k, v)| (k, (Some(v), None))));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Equal up to floating-point noise: sums in another order differ in the last bits.
fn same_number(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        (None, None) => true,
        _ => false,
    }
}

fn same_target(a: Option<TargetValue>, b: Option<TargetValue>) -> bool {
    use TargetValue::*;
    match (a, b) {
        (Some(AtLeast { value: x }), Some(AtLeast { value: y }))
        | (Some(AtMost { value: x }), Some(AtMost { value: y })) => same_number(Some(x), Some(y)),
        (Some(Between { low: a, high: b }), Some(Between { low: c, high: d })) => {
            same_number(Some(a), Some(c)) && same_number(Some(b), Some(d))
        }
        (None, None) => true,
        _ => false,
    }
}

fn same_side(a: Option<&Side>, b: Option<&Side>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            same_number(a.actual, b.actual) && same_target(a.target, b.target) && a.status == b.status
        }
        (None, None) => true,
        _ => false,
    }
}

fn same_payout(a: Option<&Payout>, b: Option<&Payout>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            same_number(a.score, b.score)
                && same_number(a.coefficient, b.coefficient)
                && same_number(a.bonus, b.bonus)
                && a.currency == b.currency
        }
        (None, None) => true,
        _ => false,
    }
}

/// A KPI's declared targets in words: `>= 3,000; >= 3,500 from 2025-07-01`.
pub fn targets_text(kpi: &KpiDef) -> String {
    let value = |v: f64| crate::report::format_value(&kpi.unit, v);
    let parts: Vec<String> = kpi
        .targets
        .iter()
        .map(|t| {
            let body = match &t.spec {
                TargetSpec::Fixed { direction, value: v } => format!("{} {}", direction.as_str(), value(*v)),
                TargetSpec::Between { low, high } => format!("between {} and {}", value(*low), value(*high)),
                TargetSpec::Previous { direction, adjust: None } => format!("{} previous", direction.as_str()),
                TargetSpec::Previous { direction, adjust: Some((op, v)) } => {
                    let (op, v) = match op {
                        crate::syntax::ast::RelOp::Add => ("+", value(*v)),
                        crate::syntax::ast::RelOp::Sub => ("-", value(*v)),
                        crate::syntax::ast::RelOp::Mul => ("*", format!("{}%", crate::sema::fmt_pct(*v))),
                    };
                    format!("{} previous {op} {v}", direction.as_str())
                }
                TargetSpec::Table { direction, path, column, .. } => {
                    format!("{} table \"{path}\" column \"{column}\"", direction.as_str())
                }
            };
            match t.since {
                Some(d) => format!("{body} from {d}"),
                None => body,
            }
        })
        .collect();
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_keys_from_both_sides_in_order() {
        let old: BTreeMap<u8, &str> = [(1, "a"), (3, "c")].into();
        let new: BTreeMap<u8, &str> = [(2, "b"), (3, "C")].into();
        let got = pair(old, new);
        assert_eq!(got, vec![(1, (Some("a"), None)), (2, (None, Some("b"))), (3, (Some("c"), Some("C")))]);
    }

    #[test]
    fn numbers_equal_up_to_noise() {
        assert!(same_number(Some(0.1 + 0.2), Some(0.3)));
        assert!(!same_number(Some(1000.0), Some(1000.01)));
        assert!(!same_number(Some(1.0), None));
    }
}
