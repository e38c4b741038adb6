//! What the lints find, as data, and their wording: one match next to the
//! codes in `diagnostics/codes.rs`, as each stage has (sema/errors.rs).

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::span::Span;

/// A spec that is valid but probably wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum Finding {
    /// A scorecard weighs more KPIs than people steer by.
    TooManyKpis { card: String, count: usize, limit: usize, span: Span },
    /// A count's target that doing nothing meets.
    AlwaysMet { kpi: String, value: f64, span: Span },
    /// A payout curve that pays less for a higher score at `span`.
    PayoutNotMonotone { card: String, span: Span },
    /// A share's target above 100 %.
    TargetAboveShare { kpi: String, span: Span },
    /// Money in a code ISO 4217 does not have.
    UnknownCurrency { code: String, suggestion: Option<String>, span: Span },
}

impl Finding {
    pub fn diagnostic(&self) -> Diagnostic {
        use Finding::*;
        match self {
            TooManyKpis { card, count, limit, span } => Diagnostic::new(
                Code::TooManyKpis,
                format!("scorecard `{card}` weighs {count} KPIs; people steer by at most {limit}"),
                Label::new(*span, format!("{count} KPIs")),
            )
            .with_help("drop or merge KPIs so that each weight matters"),
            AlwaysMet { kpi, value, span } => Diagnostic::new(
                Code::AlwaysMet,
                format!("a count is always at least {value}: KPI `{kpi}` is met by doing nothing"),
                Label::new(*span, "always met"),
            )
            .with_help("raise the target to what the role should achieve"),
            PayoutNotMonotone { card, span } => Diagnostic::new(
                Code::PayoutNotMonotone,
                format!("the payout curve of scorecard `{card}` pays less for a higher score here"),
                Label::new(*span, "the coefficient falls"),
            )
            .with_help("doing better must never pay less: start each range at least where the previous one ends"),
            TargetAboveShare { kpi, span } => Diagnostic::new(
                Code::TargetAboveShare,
                format!("KPI `{kpi}` is a share, at most 100%: this target is never met"),
                Label::new(*span, "above 100%"),
            )
            .with_help("write the share the role should reach, at most 100%"),
            UnknownCurrency { code, suggestion, span } => Diagnostic::new(
                Code::UnknownCurrency,
                format!("`{code}` is not an ISO 4217 currency code"),
                Label::new(*span, "unknown currency"),
            )
            .with_help(match suggestion {
                Some(s) => format!("{s} (a unit of your own: allow W007 in kpic.toml)"),
                None => "write the ISO 4217 code (a unit of your own: allow W007 in kpic.toml)".to_string(),
            }),
        }
    }
}
