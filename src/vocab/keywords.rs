//! The language's words, in one table: the reserved words, the words that
//! start a declaration, grains and units. The pest grammar spells them too
//! (`grammar/kpi.pest`: a test in syntax holds the two to the same words); the
//! hand-written reader and the chunker read them from here, and the words the
//! vocabulary's enums read and write (and so the pest lowering and `kpic fmt`)
//! are held to these tables by the tests below.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{DurationUnit, Grain};

    /// The grain and duration words the enums read are the table's, and the
    /// words they write (`kpic fmt`, messages) are in it.
    #[test]
    fn enums_read_and_write_the_tables_words() {
        for w in GRAIN_WORDS {
            let g = Grain::parse(w).unwrap_or_else(|| panic!("{w} is in GRAIN_WORDS but not a grain"));
            assert!(GRAIN_WORDS.contains(&g.as_str()));
        }
        for g in [Grain::Day, Grain::Week, Grain::Month, Grain::Quarter, Grain::Year] {
            assert!(GRAIN_WORDS.contains(&g.as_str()), "{} is not in GRAIN_WORDS", g.as_str());
            assert!(GRAIN_WORDS.contains(&format!("{}s", g.as_str()).as_str()));
        }
        for w in DURATION_WORDS {
            let d = DurationUnit::parse(w).unwrap_or_else(|| panic!("{w} is in DURATION_WORDS but not a unit"));
            assert!(DURATION_WORDS.contains(&d.word(true)) && DURATION_WORDS.contains(&d.word(false)));
        }
        for d in [DurationUnit::Second, DurationUnit::Minute, DurationUnit::Hour, DurationUnit::Day] {
            assert!(DURATION_WORDS.contains(&d.word(true)), "{} is not in DURATION_WORDS", d.word(true));
        }
        assert!(Grain::parse("fortnight").is_none() && DurationUnit::parse("weeks").is_none());
        for w in DECLARATION_KEYWORDS {
            assert!(KEYWORDS.contains(&w), "{w} starts a declaration but is not reserved");
        }
    }
}
