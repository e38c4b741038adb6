//! Cascades: a parent KPI's target allocated down the levels of a hierarchy, with
//! each level's actual recomputed from the data at that level (docs/cascades.md).

use super::{grid, score, Entity, Evaluation, Grid, Status, TargetValue, Window};
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::eval::period::Period;
use crate::ir::{AggTable, Plan};
use crate::sema::model::{Allocation, CascadeBody, CascadeDef, KpiDef, Level, Model};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Debug, Clone, Serialize)]
pub struct CascadeResult {
    pub kpi: String,
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
    pub notes: Vec<String>,
}

pub fn evaluate(
    model: &Model,
    plan: &Plan,
    tables: &[AggTable],
    eval: &Evaluation,
    window: &Window,
) -> Result<Vec<CascadeResult>, Diagnostic> {
    let mut out = Vec::new();
    for (ci, cascade) in model.cascades.iter().enumerate() {
        let CascadeBody::Levels(level) = &cascade.body else { continue };
        let def = model.kpi(cascade.kpi);
        let Some(top) = eval.kpis.iter().find(|k| k.name == def.name) else { continue };
        let grids: HashMap<Vec<String>, Grid> =
            plan.levels.iter().filter(|l| l.cascade == ci).map(|l| (l.dims.clone(), grid(&l.plan, tables))).collect();
        let mut orgs = HashMap::new();
        load_orgs(cascade, level, &mut Vec::new(), &mut orgs)?;
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
        out.push(CascadeResult { kpi: def.name.clone(), rows });
    }
    Ok(out)
}

/// A child must sit under one parent: a manager in two departments would carry
/// two targets.
/// child → parent (none at the first level) from each level's org chart, by the
/// dimensions down to that level.
type Orgs = HashMap<Vec<String>, HashMap<Option<String>, Option<String>>>;

fn load_orgs(cascade: &CascadeDef, level: &Level, dims: &mut Vec<String>, out: &mut Orgs) -> Result<(), Diagnostic> {
    dims.push(level.dimension.clone());
    if let Some(path) = &level.org {
        let parent_dim = dims.len().checked_sub(2).map(|i| dims[i].clone());
        out.insert(dims.clone(), org_table(cascade, path, parent_dim.as_deref(), &level.dimension)?);
    }
    let mut nexts: Vec<&Level> = level.then.as_deref().into_iter().collect();
    if let Allocation::Shares(entries) | Allocation::Amounts(entries) = &level.allocation {
        nexts.extend(entries.iter().filter_map(|e| e.then.as_deref()));
    }
    for next in nexts {
        load_orgs(cascade, next, dims, out)?;
    }
    dims.pop();
    Ok(())
}

fn org_table(
    cascade: &CascadeDef,
    path: &std::path::Path,
    parent: Option<&str>,
    child: &str,
) -> Result<HashMap<Option<String>, Option<String>>, Diagnostic> {
    let fail = |why: String| {
        Diagnostic::new(
            Code::CascadeHierarchy,
            format!("org chart {}: {why}", path.display()),
            Label::new(cascade.span, "cascade declared here"),
        )
        .with_help(format!(
            "the org chart needs the columns {}{child}",
            parent.map_or(String::new(), |p| format!("{p}, "))
        ))
    };
    let table = crate::backend::polars::read_text_table(path).map_err(fail)?;
    let column =
        |name: &str| -> Result<Vec<Option<String>>, Diagnostic> { Ok(table.column(name).map_err(fail)?.to_vec()) };
    let children = column(child)?;
    let parents = match parent {
        Some(p) => column(p)?,
        None => vec![None; children.len()],
    };
    let mut out = HashMap::new();
    for (row, (c, p)) in children.into_iter().zip(parents).enumerate() {
        if let Some(previous) = out.insert(c.clone(), p.clone()) {
            if previous != p {
                return Err(fail(format!("line {}: `{}` is listed under two parents", row + 2, c.unwrap_or_default())));
            }
        }
    }
    Ok(out)
}

fn check_tree(
    cascade: &CascadeDef,
    def: &KpiDef,
    grids: &HashMap<Vec<String>, Grid>,
    orgs: &Orgs,
) -> Result<(), Diagnostic> {
    for (dims, org) in orgs.iter().filter(|(d, _)| d.len() >= 2) {
        let Some(g) = grids.get(dims) else { continue };
        for entity in &g.entities {
            let (data_parent, child) = (&entity[entity.len() - 2], &entity[entity.len() - 1]);
            if let Some(org_parent) = org.get(child) {
                if org_parent != data_parent {
                    let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "(empty)".into());
                    return Err(Diagnostic::new(
                        Code::CascadeHierarchy,
                        format!(
                            "{} `{}` is under {} `{}` in the data but under `{}` in the org chart",
                            dims[dims.len() - 1],
                            name(child),
                            dims[dims.len() - 2],
                            name(data_parent),
                            name(org_parent)
                        ),
                        Label::new(cascade.span, "cascade declared here"),
                    )
                    .with_help("fix the org chart or the data: each child has one parent"));
                }
            }
        }
    }
    for (dims, g) in grids.iter().filter(|(d, _)| d.len() >= 2) {
        let mut parents: BTreeMap<Vec<Option<String>>, BTreeSet<Vec<Option<String>>>> = BTreeMap::new();
        let split = def.by.len() + dims.len() - 1;
        for entity in &g.entities {
            let (up, child) = entity.split_at(split);
            let mut key = entity[..def.by.len()].to_vec();
            key.extend_from_slice(child);
            parents.entry(key).or_default().insert(up.to_vec());
        }
        if let Some((child, ups)) = parents.iter().find(|(_, ups)| ups.len() > 1) {
            let name = |v: &Option<String>| v.clone().unwrap_or_else(|| "(empty)".into());
            let ups: Vec<String> = ups.iter().map(|u| u.iter().map(name).collect::<Vec<_>>().join("/")).collect();
            return Err(Diagnostic::new(
                Code::CascadeHierarchy,
                format!(
                    "{} `{}` appears under several {}: {}",
                    dims[dims.len() - 1],
                    child.last().map(name).unwrap_or_default(),
                    dims[dims.len() - 2],
                    ups.join(", ")
                ),
                Label::new(cascade.span, "cascade declared here"),
            )
            .with_help("each child must belong to one parent in the data"));
        }
    }
    Ok(())
}

struct Walker<'a> {
    def: &'a KpiDef,
    grids: &'a HashMap<Vec<String>, Grid>,
    orgs: &'a Orgs,
    period: Period,
    /// The parent KPI's own `by` values.
    prefix: Entity,
}

impl Walker<'_> {
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
        let Some(g) = self.grids.get(dims.as_slice()) else {
            dims.pop();
            return;
        };
        let mut children: BTreeSet<Option<String>> = g
            .entities
            .iter()
            .filter(|e| e.starts_with(&self.prefix) && e[self.prefix.len()..self.prefix.len() + path.len()] == path[..])
            .map(|e| e[e.len() - 1].clone())
            .collect();
        // Children the org chart places under this parent, even without rows.
        if let Some(org) = self.orgs.get(dims.as_slice()) {
            let parent = path.last().cloned().flatten();
            children.extend(org.iter().filter(|(_, p)| dims.len() == 1 || **p == parent).map(|(c, _)| c.clone()));
        }
        let listed: Option<HashMap<Option<String>, &crate::sema::model::Entry>> = match &level.allocation {
            Allocation::Shares(entries) | Allocation::Amounts(entries) => {
                Some(entries.iter().map(|e| (Some(e.entity.clone()), e)).collect())
            }
            _ => None,
        };
        if let Some(listed) = &listed {
            children.extend(listed.keys().cloned());
        }
        let base = self.base_shares(level, g, path, &children);
        let n = children.iter().filter(|c| listed.as_ref().is_none_or(|l| l.contains_key(*c))).count() as f64;
        for child in children {
            let mut notes = Vec::new();
            let entry = listed.as_ref().and_then(|l| l.get(&child).copied());
            let target = match (&level.allocation, entry) {
                (Allocation::Inherit, _) => parent,
                (Allocation::Evenly, _) => parent.map(|t| scale(t, 1.0 / n)),
                (Allocation::Proportional { .. }, _) => match base.get(&child) {
                    Some(share) => parent.map(|t| scale(t, *share)),
                    None => {
                        notes.push("no actual in the base period: no share".to_string());
                        None
                    }
                },
                (Allocation::Shares(_), Some(e)) => parent.map(|t| scale(t, e.value)),
                (Allocation::Amounts(_), Some(e)) => parent.map(|t| with_value(t, e.value)),
                (Allocation::Shares(_) | Allocation::Amounts(_), None) => {
                    notes.push(format!("in the data but not in the cascade: no {} target", level.dimension));
                    None
                }
            };
            let mut entity = self.prefix.clone();
            entity.extend(path.iter().cloned());
            entity.push(child.clone());
            let (actual, mut value_notes) =
                g.actuals.get(&(self.period, entity)).cloned().unwrap_or((None, Vec::new()));
            if actual.is_none() && entry.is_some() && !g.entities.iter().any(|e| e.last() == Some(&child)) {
                notes.push("in the cascade but not in the data".to_string());
            }
            value_notes.extend(notes);
            let row = score(self.def, self.period, Vec::new(), actual, target, value_notes);
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
            let mut entity = self.prefix.clone();
            entity.extend(path.iter().cloned());
            entity.push(child.clone());
            let sum: f64 = g
                .periods
                .iter()
                .filter(|p| p.start >= base.start && p.start < base.end())
                .filter_map(|p| g.actual(*p, &entity))
                .sum();
            if sum > 0.0 {
                totals.insert(child.clone(), sum);
            }
        }
        let all: f64 = totals.values().sum();
        totals.into_iter().map(|(c, v)| (c, v / all)).collect()
    }
}

fn scale(t: TargetValue, f: f64) -> TargetValue {
    match t {
        TargetValue::AtLeast { value } => TargetValue::AtLeast { value: value * f },
        TargetValue::AtMost { value } => TargetValue::AtMost { value: value * f },
        TargetValue::Between { low, high } => TargetValue::Between { low: low * f, high: high * f },
    }
}

fn with_value(t: TargetValue, v: f64) -> TargetValue {
    match t {
        TargetValue::AtLeast { .. } => TargetValue::AtLeast { value: v },
        TargetValue::AtMost { .. } => TargetValue::AtMost { value: v },
        TargetValue::Between { .. } => TargetValue::Between { low: v, high: v },
    }
}
