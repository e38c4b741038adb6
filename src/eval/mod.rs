//! From aggregated tables to KPI results: derived values, period offsets, targets,
//! attainment, status and gap, per period and entity.
//!
//! Semantics (docs/evaluation.md): a period with no rows has no data (never zero);
//! a division by zero has no data and a note (never inf or NaN); aggregates follow
//! SQL (nulls ignored, the sum of no values is null, a count of nothing is 0).

pub mod cascade;
pub mod period;
pub mod scorecard;
mod targets;
pub mod trends;

use crate::diagnostics::Diagnostic;
use crate::ir::{AggTable, KpiPlan, Plan, Value};
pub use crate::sema::model::Warn;
use crate::sema::model::{KpiDef, Model};
use crate::sema::types::Unit;
use crate::syntax::ast::{BinOp, Grain};
use chrono::NaiveDate;
use period::Period;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// Which periods to report.
#[derive(Debug, Clone, Default)]
pub struct Window {
    /// Inclusive first day.
    pub from: Option<NaiveDate>,
    /// Exclusive last day.
    pub until: Option<NaiveDate>,
}

/// Results of every evaluated KPI.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub kpis: Vec<KpiResult>,
    pub scorecards: Vec<scorecard::ScorecardResult>,
    pub cascades: Vec<cascade::CascadeResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KpiResult {
    pub name: String,
    pub label: Option<String>,
    pub owner: Option<String>,
    pub unit: Unit,
    pub grain: Grain,
    /// The `by` dimensions; each row's `entity` holds their values in this order.
    pub dimensions: Vec<String>,
    /// The at-risk band (`warn within`), if any: see [`at_risk_bands`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn: Option<Warn>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub period: Period,
    pub entity: Vec<Option<String>>,
    pub actual: Option<f64>,
    pub target: Option<TargetValue>,
    /// 1.0 is 100 %.
    pub attainment: Option<f64>,
    pub status: Status,
    /// actual − target (for a range: the distance outside it, 0 inside).
    pub gap: Option<f64>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "direction", rename_all = "snake_case")]
pub enum TargetValue {
    AtLeast { value: f64 },
    AtMost { value: f64 },
    Between { low: f64, high: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    AtRisk,
    Missed,
    NoData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::AtRisk => "at risk",
            Status::Missed => "missed",
            Status::NoData => "no data",
        }
    }
}

/// What a long evaluation tells about itself as it goes. The core never prints:
/// the CLI draws these events on a terminal, and [`Quiet`] ignores them.
pub trait Progress {
    /// The file of `source` is about to be read: the `index`th scan (from 0) of `of`.
    fn scanning(&self, _source: &str, _path: &std::path::Path, _index: usize, _of: usize) {}
    /// `done` of the `of` KPIs have their results.
    fn kpis_done(&self, _done: usize, _of: usize) {}
}

/// No progress to show.
pub struct Quiet;

impl Progress for Quiet {}

/// Evaluate the plan's KPIs from the tables its queries produced.
pub fn evaluate(
    model: &Model,
    plan: &Plan,
    tables: &[AggTable],
    window: &Window,
    progress: &dyn Progress,
) -> Result<Evaluation, Diagnostic> {
    let mut kpis = Vec::new();
    for kp in &plan.kpis {
        let def = model.kpi(kp.kpi);
        kpis.push(evaluate_kpi(def, kp, tables, window)?);
        progress.kpis_done(kpis.len(), plan.kpis.len());
    }
    let mut evaluation = Evaluation { kpis, scorecards: Vec::new(), cascades: Vec::new() };
    evaluation.scorecards = scorecard::evaluate(model, &evaluation)?;
    evaluation.cascades = cascade::evaluate(model, plan, tables, &evaluation, window)?;
    Ok(evaluation)
}

pub(crate) type Entity = Vec<Option<String>>;

/// Row lookup for one query: (period start, entity) to row index.
struct Index<'t> {
    table: &'t AggTable,
    rows: HashMap<(NaiveDate, Entity), usize>,
}

impl<'t> Index<'t> {
    fn new(table: &'t AggTable) -> Index<'t> {
        let rows = (0..table.periods.len())
            .map(|r| ((table.periods[r], table.keys.iter().map(|k| k[r].clone()).collect()), r))
            .collect();
        Index { table, rows }
    }
}

struct Ctx<'a> {
    indexes: HashMap<usize, Index<'a>>,
    notes: Vec<String>,
}

/// A KPI's actuals on its full grid: every period from the first to the last
/// with data, for every entity seen.
pub(crate) struct Grid {
    pub periods: Vec<Period>,
    pub entities: BTreeSet<Entity>,
    pub actuals: HashMap<(Period, Entity), (Option<f64>, Vec<String>)>,
}

pub(crate) fn grid(kp: &KpiPlan, tables: &[AggTable]) -> Grid {
    let mut ctx =
        Ctx { indexes: kp.queries.iter().map(|q| (*q, Index::new(&tables[*q]))).collect(), notes: Vec::new() };
    let mut seen = BTreeSet::new();
    let mut entities = BTreeSet::new();
    for index in ctx.indexes.values() {
        for (start, entity) in index.rows.keys() {
            seen.insert(Period { grain: kp.grain, start: *start });
            entities.insert(entity.clone());
        }
    }
    let mut periods = Vec::new();
    if let (Some(first), Some(last)) = (seen.first().copied(), seen.last().copied()) {
        let mut p = first;
        while p <= last {
            periods.push(p);
            p = p.next();
        }
    }
    let mut actuals = HashMap::new();
    for &p in &periods {
        for entity in &entities {
            ctx.notes.clear();
            let v = value(&kp.value, p, entity, &mut ctx);
            actuals.insert((p, entity.clone()), (v, std::mem::take(&mut ctx.notes)));
        }
    }
    Grid { periods, entities, actuals }
}

impl Grid {
    pub fn actual(&self, p: Period, entity: &Entity) -> Option<f64> {
        self.actuals.get(&(p, entity.clone())).and_then(|a| a.0)
    }
}

fn evaluate_kpi(def: &KpiDef, kp: &KpiPlan, tables: &[AggTable], window: &Window) -> Result<KpiResult, Diagnostic> {
    let grid = grid(kp, tables);
    let table_targets = targets::load_tables(def)?;
    let mut rows = Vec::new();
    for &p in &grid.periods {
        if !window.contains(p) {
            continue;
        }
        for entity in &grid.entities {
            let (actual, mut notes) = grid.actuals[&(p, entity.clone())].clone();
            let target = targets::target_for(def, p, entity, &table_targets, &mut notes, |q| grid.actual(q, entity));
            rows.push(score(def, p, entity.clone(), actual, target, notes));
        }
    }
    Ok(result(def, kp, rows))
}

impl Window {
    pub fn contains(&self, p: Period) -> bool {
        p.overlaps(self.from.unwrap_or(NaiveDate::MIN), self.until.unwrap_or(NaiveDate::MAX))
    }
}

impl Evaluation {
    /// The results of the periods in `window`. Every result is computed per
    /// period (targets that look back read the full grid), so evaluating all
    /// periods and then narrowing gives what evaluating the window gives; the
    /// report does that to keep the history for trends.
    pub fn within(&self, window: &Window) -> Evaluation {
        let mut out = self.clone();
        for k in &mut out.kpis {
            k.rows.retain(|r| window.contains(r.period));
        }
        for c in &mut out.scorecards {
            c.rows.retain(|r| window.contains(r.period));
        }
        for c in &mut out.cascades {
            c.rows.retain(|r| window.contains(r.period));
        }
        out
    }
}

fn result(def: &KpiDef, kp: &KpiPlan, rows: Vec<Row>) -> KpiResult {
    KpiResult {
        name: def.name.clone(),
        label: def.label.clone(),
        owner: def.owner.clone(),
        unit: kp.unit.clone(),
        grain: kp.grain,
        dimensions: kp.keys.clone(),
        warn: def.warn,
        rows,
    }
}

/// The value of a KPI expression in one period for one entity.
fn value(v: &Value, p: Period, entity: &Entity, ctx: &mut Ctx) -> Option<f64> {
    crate::guard(|| value_unguarded(v, p, entity, ctx))
}

fn value_unguarded(v: &Value, p: Period, entity: &Entity, ctx: &mut Ctx) -> Option<f64> {
    match v {
        Value::Const(c) => Some(*c),
        Value::Agg { query, alias } => {
            let index = ctx.indexes.get(query)?;
            let row = *index.rows.get(&(p.start, entity.clone()))?;
            index.table.values.get(alias)?[row]
        }
        Value::Neg(inner) => value(inner, p, entity, ctx).map(|x| -x),
        Value::Offset { value: inner, periods, grain } => value(inner, p.shift(*grain, *periods as i64), entity, ctx),
        Value::Change(inner) => {
            let now = value(inner, p, entity, ctx);
            let before = value(inner, p.previous(), entity, ctx);
            Some(now? - before?)
        }
        Value::Binary { op, lhs, rhs, .. } => {
            let l = value(lhs, p, entity, ctx);
            let r = value(rhs, p, entity, ctx);
            let (l, r) = (l?, r?);
            match op {
                BinOp::Add => Some(l + r),
                BinOp::Sub => Some(l - r),
                BinOp::Mul => Some(l * r),
                BinOp::Div if r == 0.0 => {
                    ctx.notes.push("division by zero: no value".to_string());
                    None
                }
                BinOp::Div => Some(l / r),
            }
        }
    }
    .filter(|x| x.is_finite())
}

/// The width of the at-risk band next to a target bound.
fn band_width(warn: Option<Warn>, bound: f64) -> f64 {
    match warn {
        Some(Warn::Relative(f)) => bound.abs() * f,
        Some(Warn::Absolute(v)) => v,
        None => 0.0,
    }
}

/// The ranges of actuals that are "at risk" against `target`: below a `>=`
/// target, above a `<=` target, on either side of a range. Empty without a band.
pub fn at_risk_bands(warn: Option<Warn>, target: TargetValue) -> Vec<(f64, f64)> {
    if warn.is_none() {
        return Vec::new();
    }
    let band = |bound: f64| band_width(warn, bound);
    match target {
        TargetValue::AtLeast { value } => vec![(value - band(value), value)],
        TargetValue::AtMost { value } => vec![(value, value + band(value))],
        TargetValue::Between { low, high } => vec![(low - band(low), low), (high, high + band(high))],
    }
}

/// Attainment, status and gap of one actual against its target.
fn score(
    def: &KpiDef,
    period: Period,
    entity: Entity,
    actual: Option<f64>,
    target: Option<TargetValue>,
    mut notes: Vec<String>,
) -> Row {
    let mut row =
        Row { period, entity, actual, target, attainment: None, status: Status::NoData, gap: None, notes: Vec::new() };
    let (Some(a), Some(t)) = (actual, target) else {
        row.notes = notes;
        return row;
    };
    let band = |bound: f64| band_width(def.warn, bound);
    let (attainment, status, gap) = match t {
        TargetValue::AtLeast { value } => {
            let status = if a >= value {
                Status::Met
            } else if def.warn.is_some() && a >= value - band(value) {
                Status::AtRisk
            } else {
                Status::Missed
            };
            let att = if value > 0.0 { Some(a / value) } else { None };
            (att, status, a - value)
        }
        TargetValue::AtMost { value } => {
            let status = if a <= value {
                Status::Met
            } else if def.warn.is_some() && a <= value + band(value) {
                Status::AtRisk
            } else {
                Status::Missed
            };
            let att = if a > 0.0 && value >= 0.0 { Some(value / a) } else { None };
            (att, status, a - value)
        }
        TargetValue::Between { low, high } => {
            let gap = if a < low {
                a - low
            } else if a > high {
                a - high
            } else {
                0.0
            };
            let status = if gap == 0.0 {
                Status::Met
            } else if def.warn.is_some() && gap.abs() <= band(if gap < 0.0 { low } else { high }) {
                Status::AtRisk
            } else {
                Status::Missed
            };
            (Some(if gap == 0.0 { 1.0 } else { 0.0 }), status, gap)
        }
    };
    if attainment.is_none() && !matches!(t, TargetValue::Between { .. }) {
        notes.push("attainment undefined: zero or negative base".to_string());
    }
    row.attainment = attainment;
    row.status = status;
    row.gap = Some(gap);
    row.notes = notes;
    row
}
