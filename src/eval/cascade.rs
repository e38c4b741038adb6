//! Cascades: a parent KPI's target allocated down the levels of a hierarchy, with
//! each level's actual recomputed from the data at that level (docs/cascades.md).

use super::errors::{EvalError, TableIssue, TableKind, TableRef};
use super::tables::{SideTable, Tables};
use super::{grid, nothing_known, score, Entity, Evaluation, Grid, Note, Status, TargetValue, Window};
use crate::diagnostics::Diagnostic;
use crate::eval::period::Period;
use crate::exact;
use crate::ir::{AggTable, Plan};
use crate::sema::model::{Allocation, CascadeBody, CascadeDef, KpiDef, Level, Model};
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::iter::empty;

#[derive(Debug, Clone, Serialize)]
pub struct CascadeResult {
    pub kpi: String,
    /// The KPI's unit, which every node's actual and target is in.
    pub unit: crate::vocab::Unit,
    pub rows: Vec<CascadeRow>,
}

/// One node of the tree in one period.
#[derive(Debug, Clone, Serialize)]
pub struct CascadeRow {
    pub period: Period,
    /// 0 for the parent KPI, 1 for its children, ...
    pub depth: usize,
    /// (dimension, value) from the top down to this node.
    pub path: Vec<(String, Option<String>)>,
    pub actual: Option<f64>,
    pub target: Option<TargetValue>,
    pub attainment: Option<f64>,
    pub status: Status,
    /// In JSON, `notes` (the words) and `note_codes` (a stable code each).
    #[serde(flatten, serialize_with = "super::notes::with_codes")]
    pub notes: Vec<Note>,
}

pub fn evaluate(
    model: &Model,
    plan: &Plan,
    aggregates: &[AggTable],
    side: &Tables,
    eval: &Evaluation,
    window: &Window,
) -> Result<Vec<CascadeResult>, Diagnostic> {
    let mut out = Vec::new();
    for (ci, cascade) in model.cascades.iter().enumerate() {
        let CascadeBody::Levels(level) = &cascade.body else { continue };
        let def = model.kpi(cascade.kpi);
        let Some(top) = eval.kpis.iter().find(|k| k.name == def.name) else { continue };
        let grids: HashMap<Vec<String>, RefCell<Grid>> = plan
            .levels
            .iter()
            .filter(|l| l.cascade == ci)
            .map(|l| (l.dims.clone(), RefCell::new(grid(&l.plan, &plan.queries, aggregates, &nothing_known, empty()))))
            .collect();
        let mut orgs = HashMap::new();
        load_orgs(cascade, level, side, &mut Vec::new(), &mut orgs)?;
        check_tree(cascade, def, &grids, &orgs)?;
        let mut rows = Vec::new();
        for top_row in top.rows.iter().filter(|r| window.contains(r.period)) {
            rows.push(CascadeRow {
                period: top_row.period,
                depth: 0,
                path: Vec::new(),
                actual: top_row.actual,
                target: top_row.target,
                attainment: top_row.attainment,
                status: top_row.status,
                notes: top_row.notes.clone(),
            });
            let walker =
                Walker { def, grids: &grids, orgs: &orgs, period: top_row.period, prefix: top_row.entity.clone() };
            walker.level(level, &mut Vec::new(), &mut Vec::new(), top_row.target, &mut rows);
        }
        out.push(CascadeResult { kpi: def.name.clone(), unit: top.unit.clone(), rows });
    }
    Ok(out)
}

/// Read a cascade's org charts (those in `tables`), for `kpic check`.
pub(super) fn check_orgs(cascade: &CascadeDef, tables: &Tables) -> Result<(), Diagnostic> {
    let CascadeBody::Levels(level) = &cascade.body else { return Ok(()) };
    let mut levels = vec![(level, Vec::new())];
    while let Some((level, mut dims)) = levels.pop() {
        dims.push(level.dimension.clone());
        if let Some(path) = level.org.as_deref().filter(|p| tables.has(p)) {
            let parent = dims.len().checked_sub(2).map(|i| dims[i].clone());
            org_table(cascade, path, tables, parent.as_deref(), &level.dimension)?;
        }
        levels.extend(level.nexts().into_iter().map(|l| (l, dims.clone())));
    }
    Ok(())
}

/// One level's org chart: each child's parent (none at the first level) and
/// the period it is placed there for (none: every period).
#[derive(Default)]
struct Org {
    places: HashMap<Option<String>, Place>,
}

/// A child's parent, and the periods of its rows (none: every period).
type Place = (Option<String>, Vec<Option<Period>>);

impl Org {
    /// The children placed under `parent` in `p` (every child at the first level).
    fn members<'s>(
        &'s self,
        parent: Option<&'s Option<String>>,
        p: Period,
    ) -> impl Iterator<Item = &'s Option<String>> + 's {
        self.places
            .iter()
            .filter(move |(_, (up, when))| parent.is_none_or(|want| up == want) && placed(when, p))
            .map(|(c, _)| c)
    }

    fn places(&self, child: &Option<String>, p: Period) -> bool {
        self.places.get(child).is_some_and(|(_, when)| placed(when, p))
    }
}

/// Whether an org chart's rows for a child (periods, none for "every
/// period") place it in `p`: a row's period of any grain places it in the
/// KPI periods that overlap it.
fn placed(when: &[Option<Period>], p: Period) -> bool {
    when.iter().any(|w| w.is_none_or(|w| p.overlaps(w.start, w.end())))
}

/// Each level's org chart, by the dimensions down to that level.
type Orgs = HashMap<Vec<String>, Org>;

fn load_orgs(
    cascade: &CascadeDef,
    level: &Level,
    tables: &Tables,
    dims: &mut Vec<String>,
    out: &mut Orgs,
) -> Result<(), Diagnostic> {
    dims.push(level.dimension.clone());
    if let Some(path) = &level.org {
        let parent_dim = dims.len().checked_sub(2).map(|i| dims[i].clone());
        out.insert(dims.clone(), org_table(cascade, path, tables, parent_dim.as_deref(), &level.dimension)?);
    }
    for next in level.nexts() {
        load_orgs(cascade, next, tables, dims, out)?;
    }
    dims.pop();
    Ok(())
}

/// A child must sit under one parent: a manager in two departments would carry
/// two targets.
fn org_table(
    cascade: &CascadeDef,
    path: &std::path::Path,
    tables: &Tables,
    parent: Option<&str>,
    child: &str,
) -> Result<Org, Diagnostic> {
    let kind = TableKind::OrgChart { parent: parent.map(str::to_string), child: child.to_string() };
    let file = SideTable::read(tables, TableRef { kind, path: path.to_path_buf(), span: cascade.span })?;
    let children = file.column(child)?;
    let parents = match parent {
        Some(p) => Some(file.column(p)?),
        None => None,
    };
    let mut org = Org::default();
    for row in 0..file.rows() {
        let (c, p) = (children[row].clone(), parents.and_then(|ps| ps[row].clone()));
        let period = file.period(row, None)?;
        let (up, when) = org.places.entry(c.clone()).or_insert_with(|| (p.clone(), Vec::new()));
        if *up != p {
            return Err(file.fail(TableIssue::TwoParents { line: file.line(row), child: c.unwrap_or_default() }));
        }
        when.push(period);
    }
    Ok(org)
}

fn check_tree(
    cascade: &CascadeDef,
    def: &KpiDef,
    grids: &HashMap<Vec<String>, RefCell<Grid>>,
    orgs: &Orgs,
) -> Result<(), Diagnostic> {
    for (dims, org) in orgs.iter().filter(|(d, _)| d.len() >= 2) {
        let Some(g) = grids.get(dims) else { continue };
        for entity in &g.borrow().entities {
            let (data_parent, child) = (&entity[entity.len() - 2], &entity[entity.len() - 1]);
            if let Some((org_parent, _)) = org.places.get(child) {
                if org_parent != data_parent {
                    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "(empty)".into());
                    return Err(EvalError::OtherParent {
                        level: dims[dims.len() - 1].clone(),
                        child: name(child),
                        parent_level: dims[dims.len() - 2].clone(),
                        in_data: name(data_parent),
                        in_chart: name(org_parent),
                        span: cascade.span,
                    }
                    .to_diagnostic());
                }
            }
        }
    }
    for (dims, g) in grids.iter().filter(|(d, _)| d.len() >= 2) {
        let mut parents: BTreeMap<Vec<Option<String>>, BTreeSet<Vec<Option<String>>>> = BTreeMap::new();
        let split = def.by.len() + dims.len() - 1;
        for entity in &g.borrow().entities {
            let (up, child) = entity.split_at(split);
            let mut key = entity[..def.by.len()].to_vec();
            key.extend_from_slice(child);
            parents.entry(key).or_default().insert(up.to_vec());
        }
        if let Some((child, ups)) = parents.iter().find(|(_, ups)| ups.len() > 1) {
            let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "(empty)".into());
            let parents: Vec<String> = ups.iter().map(|u| u.iter().map(name).collect::<Vec<_>>().join("/")).collect();
            return Err(EvalError::SeveralParents {
                level: dims[dims.len() - 1].clone(),
                child: child.last().map(name).unwrap_or_default(),
                parent_level: dims[dims.len() - 2].clone(),
                parents,
                span: cascade.span,
            }
            .to_diagnostic());
        }
    }
    Ok(())
}

struct Walker<'a, 'g> {
    def: &'a KpiDef,
    grids: &'a HashMap<Vec<String>, RefCell<Grid<'g>>>,
    orgs: &'a Orgs,
    period: Period,
    /// The parent KPI's own `by` values.
    prefix: Entity,
}

impl Walker<'_, '_> {
    /// Allocate `parent` (the target of the node at `path`) among the children of
    /// `level`, then descend.
    fn level(
        &self,
        level: &Level,
        dims: &mut Vec<String>,
        path: &mut Vec<Option<String>>,
        parent: Option<TargetValue>,
        rows: &mut Vec<CascadeRow>,
    ) {
        dims.push(level.dimension.clone());
        let Some(cell) = self.grids.get(dims.as_slice()) else {
            dims.pop();
            return;
        };
        let under = |e: &Entity| {
            e.starts_with(&self.prefix) && e[self.prefix.len()..self.prefix.len() + path.len()] == path[..]
        };
        // The children at work in this period: with rows in it, or placed
        // under this parent by the org chart for it. They share `evenly`.
        let org = self.orgs.get(dims.as_slice());
        let parent_value = path.last();
        let mut working: BTreeSet<Option<String>> = {
            let g = cell.borrow();
            g.entities
                .iter()
                .filter(|e| under(e) && g.cells.get(&(self.period, (*e).clone())).is_some_and(|c| c.present))
                .map(|e| e[e.len() - 1].clone())
                .collect()
        };
        if let Some(org) = org {
            let parent = (dims.len() > 1).then_some(parent_value).flatten();
            working.extend(org.members(parent, self.period).cloned());
        }
        let listed: Option<HashMap<Option<String>, &crate::sema::model::Entry>> = match &level.allocation {
            Allocation::Shares(entries) | Allocation::Amounts(entries) => {
                Some(entries.iter().map(|e| (Some(e.entity.clone()), e)).collect())
            }
            _ => None,
        };
        let mut children = working.clone();
        if let Some(listed) = &listed {
            children.extend(listed.keys().cloned());
        }
        let base = self.base_shares(level, &cell.borrow(), path, &children);
        let n = working.len() as f64;
        for child in children {
            let mut notes = Vec::new();
            let entry = listed.as_ref().and_then(|l| l.get(&child).copied());
            let target = match (&level.allocation, entry) {
                (Allocation::Inherit, _) => parent,
                (Allocation::Evenly, _) => parent.map(|t| scale(t, 1.0 / n)),
                (Allocation::Proportional { .. }, _) => match base.get(&child) {
                    Some(share) => parent.map(|t| scale(t, *share)),
                    None => {
                        notes.push(Note::NoBaseShare);
                        None
                    }
                },
                (Allocation::Shares(_), Some(e)) => parent.map(|t| scale(t, e.value)),
                (Allocation::Amounts(_), Some(e)) => parent.map(|t| with_value(t, e.value)),
                (Allocation::Shares(_) | Allocation::Amounts(_), None) => {
                    notes.push(Note::NotInCascade { dimension: level.dimension.clone() });
                    None
                }
            };
            let entity = self.entity(path, &child);
            let placed = org.is_some_and(|o| o.places(&child, self.period));
            let mut value = cell.borrow().cells.get(&(self.period, entity.clone())).cloned();
            if value.as_ref().is_none_or(|v| !v.present) && placed {
                // On the org chart for the period without rows: at work, so a
                // count or sum of nothing is 0.
                let org = org.expect("placed by an org chart");
                let known = |q: Period, e: &Entity| *e == entity && org.places(&child, q);
                value = Some(cell.borrow_mut().evaluate(self.period, &entity, &known));
            }
            let value = value.unwrap_or_default();
            if !value.present && entry.is_some() {
                notes.push(Note::NotInData);
            }
            let mut all_notes = value.notes;
            all_notes.extend(notes);
            let row = score(self.def, self.period, Vec::new(), value.actual, target, all_notes);
            path.push(child.clone());
            rows.push(CascadeRow {
                period: self.period,
                depth: dims.len(),
                path: dims.iter().cloned().zip(path.iter().cloned()).collect(),
                actual: row.actual,
                target: row.target,
                attainment: row.attainment,
                status: row.status,
                notes: row.notes,
            });
            if let Some(next) = entry.and_then(|e| e.then.as_deref()).or(level.then.as_deref()) {
                self.level(next, dims, path, target, rows);
            }
            path.pop();
        }
        dims.pop();
    }

    /// The entity of a child under `path`: the KPI's own `by` values, the
    /// levels above, the child.
    fn entity(&self, path: &[Option<String>], child: &Option<String>) -> Entity {
        let mut entity = self.prefix.clone();
        entity.extend(path.iter().cloned());
        entity.push(child.clone());
        entity
    }

    /// Each child's share of the children's total actual in the base period
    /// (summed over the KPI's periods inside it): "last year's share".
    fn base_shares(
        &self,
        level: &Level,
        g: &Grid,
        path: &[Option<String>],
        children: &BTreeSet<Option<String>>,
    ) -> HashMap<Option<String>, f64> {
        let Allocation::Proportional { start, grain } = &level.allocation else { return HashMap::new() };
        let base = Period { grain: *grain, start: *start };
        let mut totals = HashMap::new();
        for child in children {
            let entity = self.entity(path, child);
            let sum = g
                .periods
                .iter()
                .filter(|p| p.start >= base.start && p.start < base.end())
                .filter_map(|p| g.actual(*p, &entity))
                .fold(0.0, exact::add);
            if sum > 0.0 {
                totals.insert(child.clone(), sum);
            }
        }
        let all = totals.values().fold(0.0, |a, b| exact::add(a, *b));
        totals.into_iter().filter_map(|(c, v)| Some((c, exact::div(v, all)?))).collect()
    }
}

fn scale(t: TargetValue, f: f64) -> TargetValue {
    match t {
        TargetValue::AtLeast { value } => TargetValue::AtLeast { value: exact::mul(value, f) },
        TargetValue::AtMost { value } => TargetValue::AtMost { value: exact::mul(value, f) },
        TargetValue::Between { low, high } => {
            TargetValue::Between { low: exact::mul(low, f), high: exact::mul(high, f) }
        }
    }
}

fn with_value(t: TargetValue, v: f64) -> TargetValue {
    match t {
        TargetValue::AtLeast { .. } => TargetValue::AtLeast { value: v },
        TargetValue::AtMost { .. } => TargetValue::AtMost { value: v },
        TargetValue::Between { .. } => TargetValue::Between { low: v, high: v },
    }
}
