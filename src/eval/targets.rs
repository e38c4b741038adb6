//! Which target applies to a period and entity: fixed targets that change over
//! time, targets relative to the previous period, and targets from a table file.

use super::errors::{EvalError, TableIssue, TableKind, TableRef};
use super::period::Period;
use super::tables::{SideTable, Tables};
use super::{Entity, Note, TargetValue};
use crate::diagnostics::Diagnostic;
use crate::exact;
use crate::sema::model::{KpiDef, TargetDef, TargetSpec};
use crate::vocab::{Direction, RelOp};
use std::collections::{HashMap, HashSet};

/// A planning table: (entity, period or none for every period) to the target
/// in the metric's unit, and the line it is on.
pub(super) struct Table {
    rows: HashMap<(Entity, Option<Period>), (f64, usize)>,
}

impl Table {
    /// The (period start, entity) pairs a row names with its period: the
    /// entity is expected to work in that period, so what it did there is a
    /// value (0 when it did nothing), not "no data".
    pub(super) fn named(&self) -> impl Iterator<Item = (Period, &Entity)> {
        self.rows.keys().filter_map(|(e, p)| p.map(|p| (p, e)))
    }
}

/// Load every table target of a KPI, aligned with `def.targets`.
pub(super) fn load_tables(def: &KpiDef, tables: &Tables) -> Result<Vec<Option<Table>>, Diagnostic> {
    def.targets
        .iter()
        .map(|t| match &t.spec {
            TargetSpec::Table { .. } => load(def, t, tables).map(Some),
            _ => Ok(None),
        })
        .collect()
}

/// A warning for each row of a share's table targets above 100 %, which the
/// share can never reach.
pub(super) fn above_share(def: &KpiDef, tables: &[Option<Table>]) -> Vec<Diagnostic> {
    if !def.share {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (t, table) in def.targets.iter().zip(tables) {
        let (Some(table), TargetSpec::Table { path, .. }) = (table, &t.spec) else { continue };
        let mut rows: Vec<&(f64, usize)> = table.rows.values().filter(|(v, _)| *v > 1.0).collect();
        rows.sort_by_key(|(_, line)| *line);
        for (v, line) in rows {
            let percent = exact::mul(*v, 100.0);
            let error =
                EvalError::AboveShare { path: path.clone(), line: *line, percent, kpi: def.name.clone(), span: t.span };
            out.push(error.to_diagnostic());
        }
    }
    out
}

/// Every (period, entity) the tables of a KPI name with a period.
pub(super) fn named(tables: &[Option<Table>]) -> HashSet<(Period, Entity)> {
    tables.iter().flatten().flat_map(|t| t.named().map(|(p, e)| (p, e.clone()))).collect()
}

fn load(def: &KpiDef, t: &TargetDef, tables: &Tables) -> Result<Table, Diagnostic> {
    let TargetSpec::Table { resolved, column, scale, .. } = &t.spec else { unreachable!("a table target") };
    let kind = TableKind::Targets { by: def.by.clone(), column: column.clone() };
    let file = SideTable::read(tables, TableRef { kind, path: resolved.clone(), span: t.span })?;
    let keys: Vec<&[Option<String>]> = def.by.iter().map(|k| file.column(k)).collect::<Result<_, _>>()?;
    let values = file.column(column)?;
    let mut rows = HashMap::new();
    for row in 0..file.rows() {
        let value = scale.apply(file.number(values, column, row)?);
        let entity: Entity = keys.iter().map(|k| k[row].clone()).collect();
        let period = file.period(row, Some(def.grain))?;
        if rows.insert((entity, period), (value, file.line(row))).is_some() {
            return Err(file.fail(TableIssue::SecondTarget { line: file.line(row) }));
        }
    }
    Ok(Table { rows })
}

/// The target of `def` for one period and entity, if it has one.
pub(super) fn target_for(
    def: &KpiDef,
    p: Period,
    entity: &Entity,
    tables: &[Option<Table>],
    notes: &mut Vec<Note>,
    mut actual_at: impl FnMut(Period) -> Option<f64>,
) -> Option<TargetValue> {
    // Targets are sorted by `since`; the last one that has started applies.
    let index = def.targets.iter().rposition(|t| t.since.is_none_or(|s| s <= p.start))?;
    let bound = |d: Direction, value: f64| match d {
        Direction::AtLeast => TargetValue::AtLeast { value },
        Direction::AtMost => TargetValue::AtMost { value },
    };
    match &def.targets[index].spec {
        TargetSpec::Fixed { direction, value } => Some(bound(*direction, *value)),
        TargetSpec::Between { low, high } => Some(TargetValue::Between { low: *low, high: *high }),
        TargetSpec::Previous { direction, adjust } => {
            let Some(prev) = actual_at(p.previous()) else {
                notes.push(Note::NoPreviousActual { period: p.previous() });
                return None;
            };
            let value = match adjust {
                None => prev,
                Some((RelOp::Add, q)) => exact::add(prev, *q),
                Some((RelOp::Sub, q)) => exact::sub(prev, *q),
                Some((RelOp::Mul, q)) => exact::mul(prev, *q),
            };
            Some(bound(*direction, value))
        }
        TargetSpec::Table { direction, path, .. } => {
            let table = tables[index].as_ref()?;
            let found = table.rows.get(&(entity.clone(), Some(p))).or_else(|| table.rows.get(&(entity.clone(), None)));
            match found {
                Some((v, line)) => {
                    if def.share && *v > 1.0 {
                        notes.push(Note::TargetAboveShare { path: path.clone(), line: *line });
                    }
                    Some(bound(*direction, *v))
                }
                None => {
                    notes.push(Note::NotInTargetTable { path: path.clone() });
                    None
                }
            }
        }
    }
}
