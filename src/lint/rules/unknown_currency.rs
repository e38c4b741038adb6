//! ## What it does
//! Flags a money column or bonus base in a currency ISO 4217 does not have.
//!
//! ## Why is this bad?
//! A code outside the standard is most often a typo or an old code (`RUR`),
//! and kpic pays a bonus in it as if the currency had two decimal places.
//!
//! ## Example
//! `amount: money(RUR)`: did you mean `RUB`?

use crate::lint::Finding;
use crate::sema::model::{BaseDef, Model};
use crate::vocab::money::ISO_4217;
use crate::vocab::ColType;

pub fn run(model: &Model, out: &mut Vec<Finding>) {
    let mut flag = |code: &str, span| {
        if !ISO_4217.contains(&code) {
            let suggestion = crate::diagnostics::did_you_mean(code, ISO_4217.iter().copied());
            out.push(Finding::UnknownCurrency { code: code.to_string(), suggestion, span });
        }
    };
    for source in &model.sources {
        for c in &source.columns {
            if let ColType::Money(code) = &c.ty {
                flag(code, c.span);
            }
        }
    }
    for card in &model.scorecards {
        if let Some(BaseDef::Amount { currency, .. } | BaseDef::Table { currency, .. }) = &card.base {
            flag(currency, card.span);
        }
    }
}
