//! Which target applies to a period and entity: fixed targets that change over
//! time, targets relative to the previous period, and targets from a table file.

use super::period::{self, Period};
use super::{Entity, TargetValue};
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::sema::model::{KpiDef, TargetDef, TargetSpec};
use crate::syntax::ast::{Direction, RelOp};
use std::collections::HashMap;

/// A planning table: (entity, period label or none) to target.
pub(super) type Table = HashMap<(Entity, Option<String>), f64>;

/// Load every table target of a KPI, aligned with `def.targets`.
pub(super) fn load_tables(def: &KpiDef) -> Result<Vec<Option<Table>>, Diagnostic> {
    def.targets
        .iter()
        .map(|t| match &t.spec {
            TargetSpec::Table { resolved, column, .. } => load(def, t, resolved, column).map(Some),
            _ => Ok(None),
        })
        .collect()
}

fn load(def: &KpiDef, t: &TargetDef, path: &std::path::Path, column: &str) -> Result<Table, Diagnostic> {
    let fail = |why: String| {
        Diagnostic::new(
            Code::TargetTable,
            format!("target table {}: {why}", path.display()),
            Label::new(t.span, "target declared here"),
        )
        .with_help(format!("the table needs the columns {}, optionally `period`, and `{column}`", def.by.join(", ")))
    };
    let table = crate::backend::polars::read_text_table(path).map_err(fail)?;
    let text =
        |name: &str| -> Result<Vec<Option<String>>, Diagnostic> { Ok(table.column(name).map_err(fail)?.to_vec()) };
    let keys: Vec<Vec<Option<String>>> = def.by.iter().map(|k| text(k)).collect::<Result<_, _>>()?;
    let periods = if table.has("period") { Some(text("period")?) } else { None };
    let values = text(column)?;
    let mut table = Table::new();
    for (row, v) in values.iter().enumerate() {
        let line = row + 2;
        let v = v.as_deref().ok_or_else(|| fail(format!("line {line}: empty `{column}`")))?;
        let v: f64 =
            v.trim().replace('_', "").parse().map_err(|_| fail(format!("line {line}: `{v}` is not a number")))?;
        let entity: Entity = keys.iter().map(|k| k[row].clone()).collect();
        let label = match &periods {
            Some(p) => {
                let label = p[row].clone().ok_or_else(|| fail(format!("line {line}: empty `period`")))?;
                let parsed =
                    period::parse(&label).ok_or_else(|| fail(format!("line {line}: `{label}` is not a period")))?;
                if parsed.grain != def.grain {
                    return Err(fail(format!(
                        "line {line}: `{label}` is not a {} (the KPI's grain)",
                        def.grain.as_str()
                    )));
                }
                Some(parsed.to_string())
            }
            None => None,
        };
        if table.insert((entity, label), v).is_some() {
            return Err(fail(format!("line {line}: a second target for the same entity and period")));
        }
    }
    Ok(table)
}

/// The target of `def` for one period and entity, if it has one.
pub(super) fn target_for(
    def: &KpiDef,
    p: Period,
    entity: &Entity,
    tables: &[Option<Table>],
    notes: &mut Vec<String>,
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
                notes.push(format!("no target: no value for the previous period {}", p.previous()));
                return None;
            };
            let value = match adjust {
                None => prev,
                Some((RelOp::Add, q)) => prev + q,
                Some((RelOp::Sub, q)) => prev - q,
                Some((RelOp::Mul, q)) => prev * q,
            };
            Some(bound(*direction, value))
        }
        TargetSpec::Table { direction, path, .. } => {
            let table = tables[index].as_ref()?;
            let found =
                table.get(&(entity.clone(), Some(p.to_string()))).or_else(|| table.get(&(entity.clone(), None)));
            match found {
                Some(v) => Some(bound(*direction, *v)),
                None => {
                    notes.push(format!("no target in {path} for this entity and period"));
                    None
                }
            }
        }
    }
}
