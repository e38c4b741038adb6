//! What a change to a spec does to the numbers: two versions of a spec, each
//! evaluated on the same data, compared KPI by KPI, entity by entity and period by
//! period. Pure data: `report::diff` renders it.

use crate::eval::cascade::CascadeResult;
use crate::eval::scorecard::ScorecardResult;
use crate::eval::{Evaluation, Row, Status, TargetValue};
use crate::sema::model::{Allocation, CascadeBody, CascadeDef, KpiDef, Level, Model, TargetSpec};
use crate::vocab::Unit;
use serde::Serialize;
use std::collections::BTreeMap;

/// Everything that moved between the old and the new version.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    /// KPIs, by name.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub scorecards: Names,
    /// Cascades, by [`cascade_name`].
    pub cascades: Names,
    pub targets: Vec<TargetChange>,
    pub rows: Vec<RowChange>,
    /// Nodes below the top of cascades in both versions; the top is the KPI's
    /// own row, in `rows`.
    pub cascade_rows: Vec<CascadeChange>,
    pub payouts: Vec<PayoutChange>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.scorecards.is_empty()
            && self.cascades.is_empty()
            && self.targets.is_empty()
            && self.rows.is_empty()
            && self.cascade_rows.is_empty()
            && self.payouts.is_empty()
    }
}

/// What one version declares and the other does not.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Names {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl Names {
    fn between(old: &[String], new: &[String]) -> Names {
        Names {
            added: new.iter().filter(|n| !old.contains(n)).cloned().collect(),
            removed: old.iter().filter(|n| !new.contains(n)).cloned().collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// A KPI whose declared targets differ.
#[derive(Debug, Clone, Serialize)]
pub struct TargetChange {
    pub kpi: String,
    pub unit: Unit,
    /// The declared targets as the machine formats write them: `>= 3000 RUB`.
    pub old: String,
    pub new: String,
    /// The same as people read them: `≥ 3,000 RUB`.
    #[serde(skip)]
    pub old_text: String,
    #[serde(skip)]
    pub new_text: String,
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

/// One node of a cascade, in one period, whose actual, target or status moved.
#[derive(Debug, Clone, Serialize)]
pub struct CascadeChange {
    pub cascade: String,
    pub unit: Unit,
    pub period: String,
    /// The path from the top: `Retail / Anna`.
    pub node: String,
    pub old: Option<Side>,
    pub new: Option<Side>,
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
    let kpis = |m: &Model| m.kpis.iter().map(|k| k.name.clone()).collect::<Vec<_>>();
    let cards = |m: &Model| m.scorecards.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let cascades = |m: &Model| cascade_names(m);
    let kpi_names = Names::between(&kpis(old_model), &kpis(new_model));
    let mut diff = Diff {
        added: kpi_names.added,
        removed: kpi_names.removed,
        scorecards: Names::between(&cards(old_model), &cards(new_model)),
        cascades: Names::between(&cascades(old_model), &cascades(new_model)),
        ..Diff::default()
    };
    for new_kpi in &new_model.kpis {
        let Some(old_kpi) = old_model.kpis.iter().find(|k| k.name == new_kpi.name) else { continue };
        let (before, after) = (targets_text(old_kpi, false), targets_text(new_kpi, false));
        if before != after {
            diff.targets.push(TargetChange {
                kpi: new_kpi.name.clone(),
                unit: new_kpi.unit.clone(),
                old: before,
                new: after,
                old_text: targets_text(old_kpi, true),
                new_text: targets_text(new_kpi, true),
            });
        }
    }
    for new_kpi in &new.kpis {
        let Some(old_kpi) = old.kpis.iter().find(|k| k.name == new_kpi.name) else { continue };
        for ((period, entity), (old, new)) in pair(kpi_sides(&old_kpi.rows), kpi_sides(&new_kpi.rows)) {
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
    let old_cascades = cascade_results(old_model, old);
    for (name, unit, new_cascade) in cascade_results(new_model, new) {
        let Some((_, _, old_cascade)) = old_cascades.iter().find(|(n, _, _)| *n == name) else { continue };
        for ((period, node), (old, new)) in pair(cascade_sides(old_cascade), cascade_sides(new_cascade)) {
            if !same_side(old.as_ref(), new.as_ref()) {
                let (cascade, unit) = (name.clone(), unit.clone());
                diff.cascade_rows.push(CascadeChange { cascade, unit, period, node, old, new });
            }
        }
    }
    for new_card in &new.scorecards {
        let Some(old_card) = old.scorecards.iter().find(|c| c.name == new_card.name) else { continue };
        for ((period, entity), (old, new)) in pair(payouts(old_card), payouts(new_card)) {
            if !same_payout(old.as_ref(), new.as_ref()) {
                diff.payouts.push(PayoutChange { scorecard: new_card.name.clone(), period, entity, old, new });
            }
        }
    }
    diff
}

/// A cascade as the terminal report titles it, `company_revenue by department,
/// then manager` or `company_revenue from company_units`: a KPI may have several
/// cascades, told apart by their dimensions (and `#2` if even those agree).
pub fn cascade_name(model: &Model, cascade: &CascadeDef) -> String {
    let kpi = &model.kpi(cascade.kpi).name;
    match &cascade.body {
        CascadeBody::Driver { kpi: driver, .. } => format!("{kpi} from {}", model.kpi(*driver).name),
        CascadeBody::Levels(level) => {
            let mut dims = Vec::new();
            level_dims(level, &mut dims);
            format!("{kpi} by {}", dims.join(", then "))
        }
    }
}

/// [`cascade_name`] of every cascade of the model, in its order, made unique.
fn cascade_names(model: &Model) -> Vec<String> {
    let names: Vec<String> = model.cascades.iter().map(|c| cascade_name(model, c)).collect();
    let unique = |(i, name): (usize, &String)| match names[..i].iter().filter(|n| *n == name).count() {
        0 => name.clone(),
        earlier => format!("{name} #{}", earlier + 1),
    };
    names.iter().enumerate().map(unique).collect()
}

fn level_dims(level: &Level, out: &mut Vec<String>) {
    if !out.contains(&level.dimension) {
        out.push(level.dimension.clone());
    }
    if let Allocation::Shares(entries) | Allocation::Amounts(entries) = &level.allocation {
        for next in entries.iter().filter_map(|e| e.then.as_deref()) {
            level_dims(next, out);
        }
    }
    if let Some(next) = &level.then {
        level_dims(next, out);
    }
}

/// Each evaluated cascade with its name and unit. The evaluation holds one result
/// per cascade with levels whose KPI it evaluated, in the model's order.
fn cascade_results<'e>(model: &Model, eval: &'e Evaluation) -> Vec<(String, Unit, &'e CascadeResult)> {
    let evaluated = |c: &CascadeDef| {
        matches!(c.body, CascadeBody::Levels(_)) && eval.kpis.iter().any(|k| k.name == model.kpi(c.kpi).name)
    };
    model
        .cascades
        .iter()
        .zip(cascade_names(model))
        .filter(|(c, _)| evaluated(c))
        .zip(&eval.cascades)
        .map(|((c, name), result)| (name, model.kpi(c.kpi).unit.clone(), result))
        .collect()
}

/// A KPI's rows by period and entity (`Anna`, `Retail / Anna`, `—` for none).
fn kpi_sides(rows: &[Row]) -> BTreeMap<(String, String), Side> {
    rows.iter()
        .map(|r| {
            let entity = match r.entity.as_slice() {
                [] => "—".to_string(),
                parts => parts.iter().map(|e| e.as_deref().unwrap_or("∅")).collect::<Vec<_>>().join(" / "),
            };
            ((r.period.to_string(), entity), Side { actual: r.actual, target: r.target, status: r.status })
        })
        .collect()
}

/// A cascade's nodes below the top by period and path.
fn cascade_sides(cascade: &CascadeResult) -> BTreeMap<(String, String), Side> {
    cascade
        .rows
        .iter()
        .filter(|r| r.depth > 0)
        .map(|r| {
            let node = r.path.iter().map(|(_, v)| v.as_deref().unwrap_or("∅")).collect::<Vec<_>>().join(" / ");
            ((r.period.to_string(), node), Side { actual: r.actual, target: r.target, status: r.status })
        })
        .collect()
}

/// A scorecard's rows by period and entity.
fn payouts(card: &ScorecardResult) -> BTreeMap<(String, String), Payout> {
    card.rows
        .iter()
        .map(|r| {
            let key = (r.period.to_string(), r.entity.clone().unwrap_or_else(|| "∅".into()));
            let payout =
                Payout { score: r.score, coefficient: r.coefficient, bonus: r.bonus, currency: r.currency.clone() };
            (key, payout)
        })
        .collect()
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

/// A KPI's declared targets, for people (`human`: `≥ 3,000 RUB; ≥ 3,500 RUB
/// from 2025-07-01`) or for the machine formats (`>= 3000 RUB; ...`, numbers
/// without separators).
pub fn targets_text(kpi: &KpiDef, human: bool) -> String {
    use crate::vocab::number::{format_percent, format_value};
    let value = |v: f64| match (&kpi.unit, human) {
        (_, true) => format_value(&kpi.unit, v),
        (Unit::Money(c), false) => format!("{v} {c}"),
        (Unit::Ratio, false) => format!("{}%", format_percent(v).replace(',', "")),
        (Unit::Duration, false) => format!("{v} seconds"),
        (_, false) => format!("{v}"),
    };
    let dir = |d: crate::vocab::Direction| if human { d.symbol() } else { d.as_str() };
    let parts: Vec<String> = kpi
        .targets
        .iter()
        .map(|t| {
            let body = match &t.spec {
                TargetSpec::Fixed { direction, value: v } => format!("{} {}", dir(*direction), value(*v)),
                TargetSpec::Between { low, high } if human => format!("{} – {}", value(*low), value(*high)),
                TargetSpec::Between { low, high } => format!("between {} and {}", value(*low), value(*high)),
                TargetSpec::Previous { direction, adjust: None } => format!("{} previous", dir(*direction)),
                TargetSpec::Previous { direction, adjust: Some((op, v)) } => {
                    let (op, v) = match op {
                        crate::vocab::RelOp::Add => ("+", value(*v)),
                        crate::vocab::RelOp::Sub => ("-", value(*v)),
                        crate::vocab::RelOp::Mul => ("*", format!("{}%", crate::vocab::number::format_percent(*v))),
                    };
                    format!("{} previous {op} {v}", dir(*direction))
                }
                TargetSpec::Table { direction, path, column, .. } => {
                    format!("{} table \"{path}\" column \"{column}\"", dir(*direction))
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
