//! ## What it does
//! Flags a target that is met whatever the data says: `target >= 0` on a count.
//!
//! ## Why is this bad?
//! A target met by doing nothing pays a bonus for nothing.
//!
//! ## Example
//! `target >= 0` on `count(signups)`: raise the bar to what the role should achieve.

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::sema::model::{Model, TargetSpec};
use crate::vocab::Direction;
use crate::vocab::Unit;

pub fn run(model: &Model, out: &mut Vec<Diagnostic>) {
    for kpi in model.kpis.iter().filter(|k| k.unit == Unit::Count) {
        for t in &kpi.targets {
            if let TargetSpec::Fixed { direction: Direction::AtLeast, value } = t.spec {
                if value <= 0.0 {
                    out.push(
                        Diagnostic::new(
                            Code::AlwaysMet,
                            format!("a count is always at least {value}: KPI `{}` is met by doing nothing", kpi.name),
                            Label::new(t.span, "always met"),
                        )
                        .with_help("raise the target to what the role should achieve"),
                    );
                }
            }
        }
    }
}
