//! ## What it does
//! Flags a target that is met whatever the data says: `target >= 0` on a count.
//!
//! ## Why is this bad?
//! A target met by doing nothing pays a bonus for nothing.
//!
//! ## Example
//! `target >= 0` on `count(signups)`: raise the bar to what the role should achieve.

use crate::lint::Finding;
use crate::sema::model::{Model, TargetSpec};
use crate::vocab::Direction;
use crate::vocab::Unit;

pub fn run(model: &Model, out: &mut Vec<Finding>) {
    for kpi in model.kpis.iter().filter(|k| k.unit == Unit::Count) {
        for t in &kpi.targets {
            if let TargetSpec::Fixed { direction: Direction::AtLeast, value } = t.spec {
                if value <= 0.0 {
                    out.push(Finding::AlwaysMet { kpi: kpi.name.clone(), value, span: t.span });
                }
            }
        }
    }
}
