//! ## What it does
//! Flags a target above 100 % on a share: a count of some rows over a count of
//! rows that include them.
//!
//! ## Why is this bad?
//! `count(orders where moscow) / count(orders)` can never exceed 100 %, so a
//! target of 140 % is never met: usually a percent written as a fraction or the
//! other way round.
//!
//! ## Example
//! `target >= 140%` on a share: write the share the role should reach, `>= 40%`.

use crate::lint::Finding;
use crate::sema::model::{Model, TargetSpec};
use crate::vocab::Direction;

pub fn run(model: &Model, out: &mut Vec<Finding>) {
    for kpi in model.kpis.iter().filter(|k| k.share) {
        for t in &kpi.targets {
            let unreachable = match t.spec {
                TargetSpec::Fixed { direction: Direction::AtLeast, value } => value > 1.0,
                TargetSpec::Between { low, .. } => low > 1.0,
                _ => false,
            };
            if unreachable {
                out.push(Finding::TargetAboveShare { kpi: kpi.name.clone(), span: t.span });
            }
        }
    }
}
