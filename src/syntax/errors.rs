//! What the parser finds wrong, as data, and its wording, in one place.

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::span::Span;

/// One problem in the text of a declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum SyntaxError {
    /// The grammar does not match here; `expected` lists what would have,
    /// and `hint` is a word of those close to what was found.
    Unexpected {
        found: String,
        expected: String,
        hint: Option<String>,
        span: Span,
    },
    UnexpectedEnd {
        expected: String,
        span: Span,
    },
    /// The declaration ends with a bracket still open: `open` at `opened`.
    Unclosed {
        open: char,
        opened: Span,
        span: Span,
    },
    UnterminatedString {
        expected: String,
        span: Span,
    },
    BracketsTooDeep {
        max: usize,
        span: Span,
    },
    KeywordAsName {
        name: String,
        span: Span,
    },
    BadUnicodeEscape {
        hex: String,
        span: Span,
    },
    NumberTooLarge {
        span: Span,
    },
    NotADate {
        text: String,
        span: Span,
    },
    NotADateTime {
        text: String,
        span: Span,
    },
    NotAPeriod {
        text: String,
        span: Span,
    },
    TooManyNots {
        max: usize,
        span: Span,
    },
    TooManyOperands {
        operands: usize,
        max: usize,
        span: Span,
    },
    BadOffsetCount {
        span: Span,
    },
    /// `kind` is "KPI" or "scorecard"; `word` the clause's first word.
    RepeatedClause {
        kind: &'static str,
        name: String,
        word: String,
        span: Span,
    },
    CascadeTooDeep {
        max: usize,
        span: Span,
    },
    StatusWithoutStatus {
        span: Span,
    },
}

fn diag(code: Code, message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::new(code, message, Label::new(span, label))
}

impl SyntaxError {
    /// The problem in words, with its code, label and help.
    pub fn to_diagnostic(&self) -> Diagnostic {
        use SyntaxError::*;
        match self {
            Unexpected { found, expected, hint, span } => diag(
                Code::Syntax,
                format!("unexpected `{}`", found.escape_debug()),
                *span,
                format!("expected {expected}"),
            )
            .with_help(hint.clone().unwrap_or_else(|| format!("expected {expected}"))),
            Unclosed { open, opened, span } => {
                let close = match open {
                    '(' => ')',
                    '[' => ']',
                    _ => '}',
                };
                diag(Code::Syntax, format!("`{open}` is never closed"), *span, format!("expected `{close}` here"))
                    .with_secondary(Label::new(*opened, format!("this `{open}`")))
                    .with_help(format!("close the `{open}` with `{close}`"))
            }
            UnexpectedEnd { expected, span } => {
                diag(Code::Syntax, "unexpected end of declaration", *span, format!("expected {expected}"))
                    .with_help(format!("expected {expected}"))
            }
            UnterminatedString { expected, span } => {
                diag(Code::Syntax, "unterminated string", *span, format!("expected {expected}"))
                    .with_help("close the string with `\"` on the same line")
            }
            BracketsTooDeep { max, span } => {
                diag(Code::TooDeep, "brackets are nested too deeply", *span, "nesting exceeds the limit here")
                    .with_help(format!("at most {max} levels are allowed; name the inner parts as metrics or filters"))
            }
            KeywordAsName { name, span } => diag(
                Code::KeywordAsName,
                format!("`{name}` is a keyword and cannot be used as a name"),
                *span,
                "reserved word",
            )
            .with_help(format!("rename it, for example `{name}_`")),
            BadUnicodeEscape { hex, span } => diag(
                Code::InvalidLiteral,
                format!("`\\u{{{hex}}}` is not a Unicode character"),
                *span,
                "invalid escape",
            )
            .with_help("use a code point such as `\\u{20BD}`"),
            NumberTooLarge { span } => diag(Code::InvalidLiteral, "number is too large", *span, "not a finite number")
                .with_help("use a smaller number"),
            NotADate { text, span } => {
                diag(Code::InvalidLiteral, format!("`{text}` is not a date in the calendar"), *span, "no such day")
                    .with_help("write a real date as YYYY-MM-DD")
            }
            NotADateTime { text, span } => {
                diag(Code::InvalidLiteral, format!("`{text}` is not a valid date and time"), *span, "no such moment")
                    .with_help("write YYYY-MM-DD HH:MM[:SS]")
            }
            NotAPeriod { text, span } => {
                diag(Code::InvalidLiteral, format!("`{text}` is not a period"), *span, "no such period")
                    .with_help("write 2025, 2025-Q1, 2025-03, 2025-W07 or 2025-03-14")
            }
            TooManyNots { max, span } => {
                diag(Code::TooDeep, format!("more than {max} `not` in a row"), *span, "too deep")
                    .with_help("two `not` cancel out; remove them in pairs")
            }
            TooManyOperands { operands, max, span } => diag(
                Code::TooDeep,
                format!("this expression chains {operands} operands; at most {max} are allowed"),
                *span,
                "too long",
            )
            .with_help("split it into named metrics or filters"),
            BadOffsetCount { span } => diag(
                Code::BadOffset,
                "a period offset must be a whole number from 1 to 1000",
                *span,
                "not a whole number of periods",
            )
            .with_help("write e.g. `revenue[-1 month]`"),
            RepeatedClause { kind, name, word, span } => diag(
                Code::DuplicateClause,
                format!("{kind} `{name}` has more than one `{word}`"),
                *span,
                "repeated clause",
            )
            .with_help(if *kind == "KPI" {
                "keep one; the later one would silently win"
            } else {
                "keep one"
            }),
            CascadeTooDeep { max, span } => {
                diag(Code::TooDeep, format!("a cascade more than {max} levels deep"), *span, "too deep")
                    .with_help("an org chart has a handful of levels; check how this cascade was generated")
            }
            StatusWithoutStatus { span } => {
                diag(Code::BadExpectation, "a status check needs a status", *span, "not a status")
                    .with_help("write `status met`, `status at_risk`, `status missed` or `status no_data`")
            }
        }
    }
}
