//! ## What it does
//! Flags a payout curve that pays less somewhere for a higher score.
//!
//! ## Why is this bad?
//! A curve that falls (`80% .. 100% => 1.0`, then `above 100% => 0.9`) pays a
//! person more for stopping short: doing better must never pay less.
//!
//! ## Example
//! `above 100% => 0.9` after a range that ends at 1.0: start the next range at
//! least where the previous one ends (`above 100% => 1.0`).

use crate::lint::Finding;
use crate::sema::model::Model;
use crate::vocab::{PayoutRange, PayoutValue};

pub fn run(model: &Model, out: &mut Vec<Finding>) {
    for card in &model.scorecards {
        // (range start, value at its start, value at its end, rule)
        let mut ranges: Vec<(f64, f64, f64, &crate::sema::model::PayoutRule)> = card
            .payout
            .iter()
            .map(|r| {
                let start = match r.range {
                    PayoutRange::Below(_) => f64::NEG_INFINITY,
                    PayoutRange::Above(x) | PayoutRange::Between(x, _) => x,
                };
                let (first, last) = match r.value {
                    PayoutValue::Constant(c) => (c, c),
                    PayoutValue::Linear(a, b) => (a, b),
                };
                (start, first, last, r)
            })
            .collect();
        ranges.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut before: Option<f64> = None;
        for (_, first, last, rule) in ranges {
            let falls = before.is_some_and(|b| first < b) || last < first;
            if falls {
                out.push(Finding::PayoutNotMonotone { card: card.name.clone(), span: rule.span });
                break;
            }
            before = Some(last);
        }
    }
}
