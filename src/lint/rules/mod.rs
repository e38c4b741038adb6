mod payout_not_monotone;
mod target_above_share;
mod target_always_met;
mod too_many_kpis;
mod unknown_currency;

use super::Finding;
use crate::sema::model::Model;

pub(super) type Rule = fn(&Model, &mut Vec<Finding>);

pub(super) const ALL: &[Rule] = &[
    too_many_kpis::run,
    target_always_met::run,
    payout_not_monotone::run,
    target_above_share::run,
    unknown_currency::run,
];
