//! Periods as the evaluation names them: [`Period`] (in the vocabulary, so that
//! the plan can align its read windows to them) and how one is written.

pub use crate::vocab::period::Period;

/// Parse a period as written on the command line or in a target table.
pub fn parse(text: &str) -> Option<Period> {
    crate::syntax::parse_period(text).map(|(grain, start)| Period { grain, start })
}
