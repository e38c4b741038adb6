//! The language's words, in one table: the reserved words, the words that
//! start a declaration, grains and units. The pest grammar spells them too
//! (`grammar/kpi.pest`: a test holds the two to the same words), and the
//! hand-written reader, the chunker and `kpic fmt` read them from here.

/// Words that cannot name a declaration.
pub const KEYWORDS: &[&str] = &[
    "import",
    "source",
    "from",
    "time",
    "filter",
    "metric",
    "kpi",
    "scorecard",
    "cascade",
    "where",
    "and",
    "or",
    "not",
    "in",
    "is",
    "null",
    "true",
    "false",
    "per",
    "by",
    "target",
    "owner",
    "description",
    "between",
    "previous",
    "warn",
    "within",
    "cap",
    "payout",
    "below",
    "above",
    "linear",
    "evenly",
    "proportional",
    "to",
    "table",
    "column",
    "format",
    "missing",
    "gate",
    "base",
    "inherit",
    "then",
    "at",
    "change",
    "test",
];

/// The words that start a top-level declaration.
pub const DECLARATION_KEYWORDS: [&str; 8] =
    ["import", "source", "filter", "metric", "kpi", "scorecard", "cascade", "test"];

/// Grains as written after `per` and in offsets, singular and plural.
pub const GRAIN_WORDS: [&str; 10] =
    ["days", "day", "weeks", "week", "months", "month", "quarters", "quarter", "years", "year"];

/// Duration units, singular and plural.
pub const DURATION_WORDS: [&str; 8] = ["days", "day", "hours", "hour", "minutes", "minute", "seconds", "second"];

/// The scales a planning table's numbers may be in, besides durations and
/// currencies (`in percent`, `in fraction`).
pub const TABLE_SCALE_WORDS: [&str; 2] = ["percent", "fraction"];

/// The grammar's `currency`: three capital letters.
pub fn is_currency(w: &str) -> bool {
    w.len() == 3 && w.bytes().all(|c| c.is_ascii_uppercase())
}
