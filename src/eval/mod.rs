//! From aggregated tables to KPI results: derived values, period offsets, targets,
//! attainment, status and gap, per period and entity.
//!
//! Semantics (docs/evaluation.md): doing nothing is a value: a count or sum over
//! no rows is 0 for an entity present in the period (rows in the KPI's
//! sources, or a target table naming it), and no data only when nothing is
//! known of it; averages and other aggregates of nothing have no data; a
//! division by zero has no data and a note (never inf or NaN); arithmetic is
//! exact on the decimals numbers print as ([`crate::exact`]).

pub mod cascade;
pub mod compare;
mod errors;
pub mod expect;
mod notes;
pub mod period;
pub mod scorecard;
pub mod tables;
mod targets;
pub mod trends;

pub use notes::{joined as joined_notes, Missing, MissingRuleApplied, Note};

use crate::diagnostics::Diagnostic;
use crate::exact;
pub use crate::ir::Window;
use crate::ir::{AggQuery, AggTable, KpiExpr, KpiPlan, Plan, Results};
pub use crate::sema::model::Warn;
use crate::sema::model::{KpiDef, Model};
pub use crate::vocab::Status;
use crate::vocab::Unit;
use crate::vocab::{AggFn, BinOp, Grain};
use chrono::NaiveDate;
use period::Period;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use tables::Tables;

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
    /// In JSON, `notes` (the words) and `note_codes` (a stable code each).
    #[serde(flatten, serialize_with = "notes::with_codes")]
    pub notes: Vec<Note>,
    /// The entity has rows in the period in a source the KPI reads, or a
    /// target table names it for the period: it was at work, so a count or
    /// sum of nothing is 0 and a scorecard pays it (docs/evaluation.md).
    #[serde(skip)]
    pub present: bool,
    /// The value looks back to a period with nothing known of the entity (a
    /// new joiner's growth): missing history, not something it did.
    #[serde(skip)]
    pub no_history: bool,
}

impl Row {
    /// Whether the row says anything: an actual, or a status other than no
    /// data (a target met or missed without one).
    pub fn has_result(&self) -> bool {
        self.actual.is_some() || self.status != Status::NoData
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "direction", rename_all = "snake_case")]
pub enum TargetValue {
    AtLeast { value: f64 },
    AtMost { value: f64 },
    Between { low: f64, high: f64 },
}

/// What a long evaluation tells about itself as it goes. The core never prints:
/// the CLI draws these events on a terminal, and [`Quiet`] ignores them.
pub trait Progress {
    /// The file of `source` is about to be read: the `index`th scan (from 0) of `of`.
    fn scanning(&self, _source: &str, _location: &crate::ir::Location, _index: usize, _of: usize) {}
    /// `done` of the `of` KPIs have their results.
    fn kpis_done(&self, _done: usize, _of: usize) {}
}

/// No progress to show.
pub struct Quiet;

impl Progress for Quiet {}

/// Evaluate the plan's KPIs from the tables its queries produced.
/// Evaluate the plan's KPIs, scorecards and cascades from what a backend read
/// for it. Reads no file: everything comes in `results`.
pub fn evaluate(
    model: &Model,
    plan: &Plan,
    results: &Results,
    window: &Window,
    progress: &dyn Progress,
) -> Result<Evaluation, Diagnostic> {
    let side = Tables::of(plan, results);
    let aggregates = &results.aggregates;
    let mut kpis = Vec::new();
    for kp in &plan.kpis {
        let def = &model.kpis[kp.kpi];
        kpis.push(evaluate_kpi(def, kp, &plan.queries, aggregates, &side, window)?);
        progress.kpis_done(kpis.len(), plan.kpis.len());
    }
    let mut evaluation = Evaluation { kpis, scorecards: Vec::new(), cascades: Vec::new() };
    evaluation.scorecards = scorecard::evaluate(model, &evaluation, &side)?;
    evaluation.cascades = cascade::evaluate(model, plan, aggregates, &side, &evaluation, window)?;
    Ok(evaluation)
}

pub(crate) type Entity = Vec<Option<String>>;

/// Row lookup for one query: (period start, entity) to row index, and which
/// aggregates are 0 over nothing.
struct Index<'t> {
    table: &'t AggTable,
    rows: HashMap<(NaiveDate, Entity), usize>,
    /// The aliases of counts and sums: over no rows, their value is 0 for an
    /// entity that is present (docs/evaluation.md, "Doing nothing is a value").
    additive: HashSet<&'t str>,
}

impl<'t> Index<'t> {
    fn new(query: &'t AggQuery, table: &'t AggTable) -> Index<'t> {
        let rows = (0..table.periods.len())
            .map(|r| ((table.periods[r], table.keys.iter().map(|k| k[r].clone()).collect()), r))
            .collect();
        let additive = query
            .aggs
            .iter()
            .filter(|a| matches!(a.func, AggFn::Count | AggFn::CountDistinct | AggFn::Sum))
            .map(|a| a.alias.as_str())
            .collect();
        Index { table, rows, additive }
    }
}

/// Whether an entity is known to be at work in a period outside the KPI's
/// own rows: a target table names it for the period, an org chart places it.
pub(crate) type Known<'k> = &'k dyn Fn(Period, &Entity) -> bool;

/// Nothing known beyond the data.
pub(crate) fn nothing_known(_: Period, _: &Entity) -> bool {
    false
}

struct Ctx<'a> {
    indexes: Vec<(usize, Index<'a>)>,
    notes: Vec<Note>,
    /// The period being evaluated, and whether its value read an earlier
    /// period with nothing known of the entity (see [`Cell::no_history`]).
    period: Option<Period>,
    no_history: bool,
}

impl Ctx<'_> {
    /// Whether `entity` has rows in `p` in any source the KPI reads.
    fn has_rows(&self, p: Period, entity: &Entity) -> bool {
        let key = (p.start, entity.clone());
        self.indexes.iter().any(|(_, i)| i.rows.contains_key(&key))
    }

    fn index(&self, query: usize) -> Option<&Index<'_>> {
        self.indexes.iter().find(|(q, _)| *q == query).map(|(_, i)| i)
    }
}

/// A KPI's value in one period for one entity, with what is said about it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    pub actual: Option<f64>,
    pub notes: Vec<Note>,
    /// The entity has rows in the period in a source the KPI reads, or is
    /// known to be at work then ([`Known`]).
    pub present: bool,
    /// The value looks back (an offset, `change`) to a period in which
    /// nothing is known of the entity: it has no history to compare with yet.
    pub no_history: bool,
}

/// A KPI's actuals on its full grid: every period from the first to the last
/// with data (and after it, the periods an offset still gives a value), for
/// every entity seen or named by a target table.
pub(crate) struct Grid<'a> {
    pub periods: Vec<Period>,
    pub entities: BTreeSet<Entity>,
    pub cells: HashMap<(Period, Entity), Cell>,
    ctx: Ctx<'a>,
    value: &'a KpiExpr,
}

pub(crate) fn grid<'a>(
    kp: &'a KpiPlan,
    queries: &'a [AggQuery],
    tables: &'a [AggTable],
    known: Known,
    named: impl Iterator<Item = (Period, Entity)>,
) -> Grid<'a> {
    let ctx = Ctx {
        indexes: kp.queries.iter().map(|q| (*q, Index::new(&queries[*q], &tables[*q]))).collect(),
        notes: Vec::new(),
        period: None,
        no_history: false,
    };
    let mut seen = BTreeSet::new();
    let mut entities = BTreeSet::new();
    for (_, index) in &ctx.indexes {
        for (start, entity) in index.rows.keys() {
            seen.insert(Period { grain: kp.grain, start: *start });
            entities.insert(entity.clone());
        }
    }
    let mut g = Grid { periods: Vec::new(), entities, cells: HashMap::new(), ctx, value: &kp.value };
    let (Some(first), Some(last)) = (seen.first().copied(), seen.last().copied()) else { return g };
    g.entities.extend(named.filter(|(p, _)| first <= *p && *p <= last).map(|(_, e)| e));
    let mut p = first;
    while p <= last {
        g.add_period(p, known);
        p = p.next();
    }
    // `x[-1 month]` has a value in the month after the data: report the
    // periods an offset reaches while some entity has a value there.
    let reach = last.end() + chrono::Duration::days(max_lag_days(&kp.value));
    let mut p = last.next();
    let mut pending = Vec::new();
    while p.start < reach {
        pending.push(p);
        let entities: Vec<Entity> = g.entities.iter().cloned().collect();
        if entities.iter().any(|e| g.evaluate(p, e, known).actual.is_some()) {
            for q in pending.drain(..) {
                g.add_period(q, known);
            }
        }
        p = p.next();
    }
    g
}

impl Grid<'_> {
    fn add_period(&mut self, p: Period, known: Known) {
        self.periods.push(p);
        let entities: Vec<Entity> = self.entities.iter().cloned().collect();
        for entity in entities {
            let cell = self.evaluate(p, &entity, known);
            self.cells.insert((p, entity), cell);
        }
    }

    /// The value of the KPI for `entity` in `p`, also outside the grid.
    pub fn evaluate(&mut self, p: Period, entity: &Entity, known: Known) -> Cell {
        self.ctx.notes.clear();
        self.ctx.period = Some(p);
        self.ctx.no_history = false;
        let actual = value(self.value, p, entity, &mut self.ctx, known);
        let present = self.ctx.has_rows(p, entity) || known(p, entity);
        Cell { actual, notes: std::mem::take(&mut self.ctx.notes), present, no_history: self.ctx.no_history }
    }

    pub fn actual(&self, p: Period, entity: &Entity) -> Option<f64> {
        self.cells.get(&(p, entity.clone())).and_then(|c| c.actual)
    }
}

/// How far back, in days at most, a value reads: the sum of its nested offsets.
fn max_lag_days(v: &KpiExpr) -> i64 {
    match v {
        KpiExpr::Offset { value, periods, grain } => {
            let days = match grain {
                Grain::Day => 1,
                Grain::Week => 7,
                Grain::Month => 31,
                Grain::Quarter => 92,
                Grain::Year => 366,
            };
            i64::from(*periods) * days + max_lag_days(value)
        }
        KpiExpr::Binary { lhs, rhs, .. } => max_lag_days(lhs).max(max_lag_days(rhs)),
        KpiExpr::Neg(inner) | KpiExpr::Change(inner) => max_lag_days(inner),
        KpiExpr::Agg { .. } | KpiExpr::Const(_) => 0,
    }
}

fn evaluate_kpi(
    def: &KpiDef,
    kp: &KpiPlan,
    queries: &[AggQuery],
    tables: &[AggTable],
    side: &Tables,
    window: &Window,
) -> Result<KpiResult, Diagnostic> {
    let table_targets = targets::load_tables(def, side)?;
    let named = targets::named(&table_targets);
    let known = |p: Period, e: &Entity| named.contains(&(p, e.clone()));
    let grid = grid(kp, queries, tables, &known, named.iter().cloned());
    let mut rows = Vec::new();
    for &p in &grid.periods {
        if !window.contains(p) {
            continue;
        }
        for entity in &grid.entities {
            let cell = grid.cells[&(p, entity.clone())].clone();
            let mut notes = cell.notes;
            let target = targets::target_for(def, p, entity, &table_targets, &mut notes, |q| grid.actual(q, entity));
            if !cell.present {
                // Nothing is known of the entity in the period: that it has
                // no plan row either is no news.
                notes.retain(|n| !matches!(n, Note::NotInTargetTable { .. }));
            }
            let mut row = score(def, p, entity.clone(), cell.actual, target, notes);
            row.present = cell.present;
            row.no_history = cell.no_history;
            rows.push(row);
        }
    }
    Ok(result(def, kp, rows))
}

/// What is wrong with the planning tables of a model (target tables, bonus
/// bases, org charts) that are in `tables`, parsed as evaluation would: the
/// first problem of each table, and a warning for each target a share cannot
/// reach. Tables not in `tables` are not checked.
pub fn check_tables(model: &Model, tables: &Tables) -> Vec<Diagnostic> {
    use crate::sema::model::{BaseDef, TargetSpec};
    let mut out = Vec::new();
    for def in &model.kpis {
        let read = def.targets.iter().all(|t| match &t.spec {
            TargetSpec::Table { resolved, .. } => tables.has(resolved),
            _ => true,
        });
        if !read {
            continue;
        }
        match targets::load_tables(def, tables) {
            Ok(loaded) => out.extend(targets::above_share(def, &loaded)),
            Err(d) => out.push(d),
        }
    }
    for card in &model.scorecards {
        if let Some(BaseDef::Table { resolved, .. }) = &card.base {
            if tables.has(resolved) {
                out.extend(scorecard::check_bases(card, tables).err());
            }
        }
    }
    for cascade in &model.cascades {
        out.extend(cascade::check_orgs(cascade, tables).err());
    }
    out
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
fn value(v: &KpiExpr, p: Period, entity: &Entity, ctx: &mut Ctx, known: Known) -> Option<f64> {
    crate::stack::with_stack(|| value_unguarded(v, p, entity, ctx, known))
}

fn value_unguarded(v: &KpiExpr, p: Period, entity: &Entity, ctx: &mut Ctx, known: Known) -> Option<f64> {
    match v {
        KpiExpr::Const(c) => Some(*c),
        KpiExpr::Agg { query, alias } => {
            let index = ctx.index(*query)?;
            let zero_of_nothing = index.additive.contains(alias.as_str());
            match index.rows.get(&(p.start, entity.clone())) {
                // A sum of no values (every row filtered out or null) is 0:
                // the entity has rows, so it is present.
                Some(&row) => index.table.values.get(alias)?[row].or(zero_of_nothing.then_some(0.0)),
                None => {
                    let present = ctx.has_rows(p, entity) || known(p, entity);
                    if !present && ctx.period.is_some_and(|now| now != p) {
                        ctx.no_history = true;
                    }
                    (zero_of_nothing && present).then_some(0.0)
                }
            }
        }
        KpiExpr::Neg(inner) => value(inner, p, entity, ctx, known).map(|x| -x),
        KpiExpr::Offset { value: inner, periods, grain } => {
            value(inner, p.shift(*grain, *periods as i64), entity, ctx, known)
        }
        KpiExpr::Change(inner) => {
            let now = value(inner, p, entity, ctx, known);
            let before = value(inner, p.previous(), entity, ctx, known);
            Some(exact::sub(now?, before?))
        }
        KpiExpr::Binary { op, lhs, rhs, .. } => {
            let l = value(lhs, p, entity, ctx, known);
            let r = value(rhs, p, entity, ctx, known);
            let (l, r) = (l?, r?);
            match op {
                BinOp::Add => Some(exact::add(l, r)),
                BinOp::Sub => Some(exact::sub(l, r)),
                BinOp::Mul => Some(exact::mul(l, r)),
                BinOp::Div => {
                    let q = exact::div(l, r);
                    if q.is_none() {
                        ctx.notes.push(Note::DivisionByZero);
                    }
                    q
                }
            }
        }
    }
    .filter(|x| x.is_finite())
}

/// The width of the at-risk band next to a target bound.
fn band_width(warn: Option<Warn>, bound: f64) -> f64 {
    match warn {
        Some(Warn::Relative(f)) => exact::mul(bound.abs(), f),
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
        TargetValue::AtLeast { value } => vec![(exact::sub(value, band(value)), value)],
        TargetValue::AtMost { value } => vec![(value, exact::add(value, band(value)))],
        TargetValue::Between { low, high } => {
            vec![(exact::sub(low, band(low)), low), (high, exact::add(high, band(high)))]
        }
    }
}

/// Attainment, status and gap of one actual against its target. Every
/// number is the exact result on the decimals of the actual and target,
/// rounded once ([`crate::exact`]).
fn score(
    def: &KpiDef,
    period: Period,
    entity: Entity,
    actual: Option<f64>,
    target: Option<TargetValue>,
    mut notes: Vec<Note>,
) -> Row {
    let mut row = Row {
        period,
        entity,
        actual,
        target,
        attainment: None,
        status: Status::NoData,
        gap: None,
        notes: Vec::new(),
        present: false,
        no_history: false,
    };
    let (Some(a), Some(t)) = (actual, target) else {
        row.notes = notes;
        return row;
    };
    let band = |bound: f64| band_width(def.warn, bound);
    let (attainment, status, gap) = match t {
        TargetValue::AtLeast { value } => {
            let status = if a >= value {
                Status::Met
            } else if def.warn.is_some() && a >= exact::sub(value, band(value)) {
                Status::AtRisk
            } else {
                Status::Missed
            };
            let att = if value > 0.0 { exact::div(a, value) } else { None };
            (att, status, exact::sub(a, value))
        }
        TargetValue::AtMost { value } => {
            let status = if a <= value {
                Status::Met
            } else if def.warn.is_some() && a <= exact::add(value, band(value)) {
                Status::AtRisk
            } else {
                Status::Missed
            };
            let att = if a > 0.0 && value >= 0.0 { exact::div(value, a) } else { None };
            (att, status, exact::sub(a, value))
        }
        TargetValue::Between { low, high } => {
            let gap = if a < low {
                exact::sub(a, low)
            } else if a > high {
                exact::sub(a, high)
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
        notes.push(Note::AttainmentUndefined);
    }
    row.attainment = attainment;
    row.status = status;
    row.gap = Some(gap);
    row.notes = notes;
    row
}
