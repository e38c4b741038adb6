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

use crate::lint::Finding;
use crate::sema::model::Model;

/// More than this many KPIs is flagged.
pub const LIMIT: usize = 7;

pub fn run(model: &Model, out: &mut Vec<Finding>) {
    for card in &model.scorecards {
        if card.entries.len() > LIMIT {
            out.push(Finding::TooManyKpis {
                card: card.name.clone(),
                count: card.entries.len(),
                limit: LIMIT,
                span: card.span,
            });
        }
    }
}
