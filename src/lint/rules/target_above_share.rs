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

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::sema::model::{Model, TargetSpec};
use crate::vocab::Direction;

pub fn run(model: &Model, out: &mut Vec<Diagnostic>) {
    for kpi in model.kpis.iter().filter(|k| k.share) {
        for t in &kpi.targets {
            let unreachable = match t.spec {
                TargetSpec::Fixed { direction: Direction::AtLeast, value } => value > 1.0,
                TargetSpec::Between { low, .. } => low > 1.0,
                _ => false,
            };
            if unreachable {
                out.push(
                    Diagnostic::new(
                        Code::TargetAboveShare,
                        format!("KPI `{}` is a share, at most 100%: this target is never met", kpi.name),
                        Label::new(t.span, "above 100%"),
                    )
                    .with_help("write the share the role should reach, at most 100%"),
                );
            }
        }
    }
}
