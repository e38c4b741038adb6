//! ## What it does
//! Flags a scorecard that weighs more than seven KPIs.
//!
//! ## Why is this bad?
//! People cannot steer by more than about seven numbers. A long scorecard dilutes
//! every weight until no single KPI changes the bonus enough to change behaviour.
//!
//! ## Example
//! A sales manager scored on revenue, units, buyers, average check, Moscow share,
//! refunds, NPS and training hours: drop or merge until seven or fewer remain.

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::sema::model::Model;

/// More than this many KPIs is flagged.
pub const LIMIT: usize = 7;

pub fn run(model: &Model, out: &mut Vec<Diagnostic>) {
    for card in &model.scorecards {
        if card.entries.len() > LIMIT {
            out.push(
                Diagnostic::new(
                    Code::TooManyKpis,
                    format!(
                        "scorecard `{}` weighs {} KPIs; people steer by at most {LIMIT}",
                        card.name,
                        card.entries.len()
                    ),
                    Label::new(card.span, format!("{} KPIs", card.entries.len())),
                )
                .with_help("drop or merge KPIs so that each weight matters"),
            );
        }
    }
}
