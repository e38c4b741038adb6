//! Text to syntax tree. Parsing never fails: [`parse`] returns the declarations it
//! could read and a diagnostic for each one it could not.

pub mod ast;
pub mod chunk;
mod errors;
mod hand_reader;
mod lower;

pub use lower::parse_period;

use crate::diagnostics::Diagnostic;
use crate::span::{FileId, Span};
use errors::SyntaxError;
pub(crate) use hand_reader::is_ident_char;
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/kpi.pest"]
pub struct KpiParser;

/// Files with more declarations than this are parsed on several threads.
const PARALLEL_FROM: usize = 256;

/// Parse one file's text into its declarations, with a diagnostic for every
/// declaration that does not parse.
pub fn parse(file: FileId, text: &str) -> (ast::Module, Vec<Diagnostic>) {
    let pieces = chunk::split(text);
    let parsed: Vec<Parsed> = if pieces.len() >= PARALLEL_FROM {
        use rayon::prelude::*;
        parser_pool().install(|| pieces.par_iter().map(|p| parse_piece(file, text, p)).collect())
    } else {
        pieces.iter().map(|p| parse_piece(file, text, p)).collect()
    };
    let mut decls = Vec::with_capacity(parsed.len());
    let mut broken = Vec::new();
    let mut diags = Vec::new();
    for (decl, d) in parsed {
        match decl {
            Ok(decl) => decls.push(decl),
            Err(name) => broken.extend(name),
        }
        diags.extend(d);
    }
    (ast::Module { file, decls, broken }, diags)
}

/// Threads with room for the deepest nesting the chunker lets through.
fn parser_pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(32 * 1024 * 1024)
            .thread_name(|i| format!("kpic-parse-{i}"))
            .build()
            .expect("parser threads start")
    })
}

/// A declaration, or the name of one that did not parse (if it can be told).
type Parsed = (Result<ast::Decl, Option<String>>, Vec<Diagnostic>);

fn parse_piece(file: FileId, text: &str, piece: &chunk::Chunk) -> Parsed {
    match read_by_hand(file, text, piece) {
        Some(decl) => (Ok(decl), Vec::new()),
        None => pest_piece(file, text, piece),
    }
}

/// The declaration of one piece as the hand-written reader reads it, if it does
/// (never a piece nested too deeply: pest's path reports that).
fn read_by_hand(file: FileId, text: &str, piece: &chunk::Chunk) -> Option<ast::Decl> {
    piece.too_deep_at.is_none().then(|| hand_reader::declaration(file, piece.start, &text[piece.start..piece.end]))?
}

/// The declaration of one piece as pest and the lowering read it.
fn pest_piece(file: FileId, text: &str, piece: &chunk::Chunk) -> Parsed {
    let mut diags = Vec::new();
    if let Some(at) = piece.too_deep_at {
        let span = Span::new(file, at, at + 1);
        diags.push(SyntaxError::BracketsTooDeep { max: chunk::MAX_DEPTH, span }.to_diagnostic());
        return (Err(declared_name(&text[piece.start..piece.end])), diags);
    }
    let source = &text[piece.start..piece.end];
    match KpiParser::parse(Rule::single_declaration, source) {
        Ok(mut pairs) => {
            let mut lowerer = lower::Lowerer { file, offset: piece.start, len: source.len(), diags: &mut diags };
            let decl = pairs.next().and_then(|p| p.into_inner().next()).map(|d| lowerer.declaration(d));
            (decl.ok_or(None), diags)
        }
        Err(err) => {
            diags.push(syntax_error(file, piece.start, source, &err));
            (Err(declared_name(source)), diags)
        }
    }
}

/// Each declaration of `text` as the hand-written reader reads it (`None` where
/// it gives up) and as pest reads it (`None` if it does not parse), with pest's
/// diagnostics: for tests that hold the two to the same trees.
#[doc(hidden)]
pub fn both_readings(text: &str) -> Vec<(Option<ast::Decl>, Option<ast::Decl>, Vec<Diagnostic>)> {
    let file = FileId(0);
    chunk::split(text)
        .iter()
        .map(|piece| {
            let (decl, diags) = pest_piece(file, text, piece);
            (read_by_hand(file, text, piece), decl.ok(), diags)
        })
        .collect()
}

/// The name a broken declaration was meant to declare: the word after its keyword.
fn declared_name(source: &str) -> Option<String> {
    let code = source.lines().map(str::trim_start).find(|l| !l.is_empty() && !l.starts_with("//"))?;
    let mut words = code.split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty());
    let keyword = words.next()?;
    if keyword == "import" || keyword == "cascade" {
        return None;
    }
    words.next().map(str::to_string)
}

fn syntax_error(file: FileId, offset: usize, source: &str, err: &pest::error::Error<Rule>) -> Diagnostic {
    let (start, end) = match err.location {
        pest::error::InputLocation::Pos(p) => (p, p),
        pest::error::InputLocation::Span((a, b)) => (a, b),
    };
    // At the end of the piece, point just after its last code, not at the next line.
    let code_end = lower::code_len(source);
    let (start, end) = if start >= code_end { (code_end, code_end) } else { (start, end) };
    let found = if start >= code_end { "" } else { found_token(source, start) };
    let positives = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.as_slice(),
        pest::error::ErrorVariant::CustomError { .. } => &[],
    };
    let expected = match &err.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let end = if end > start { end } else { start + found.len().max(1).min(source.len().saturating_sub(start).max(1)) };
    let span = Span::new(file, offset + start, offset + end.min(source.len().max(start)));
    let error = if source[start..].starts_with('"') || unterminated_string(source, start) {
        SyntaxError::UnterminatedString { expected, span }
    } else if let Some((open, at)) = found.is_empty().then(|| unclosed(&source[..start])).flatten() {
        SyntaxError::Unclosed { open, opened: Span::new(file, offset + at, offset + at + 1), span }
    } else if found.is_empty() {
        SyntaxError::UnexpectedEnd { expected, span }
    } else {
        let hint = hint(found, &source[..start], &source[start..], positives);
        SyntaxError::Unexpected { found: found.to_string(), expected, hint, span }
    };
    error.to_diagnostic()
}

/// The innermost bracket `text` leaves open, and where: strings and
/// comments skipped.
fn unclosed(text: &str) -> Option<(char, usize)> {
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                // To the closing quote or the end of the line.
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' | '\n' => break,
                        _ => {}
                    }
                }
            }
            '/' if chars.peek().is_some_and(|(_, n)| *n == '/') => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '(' | '[' | '{' => open.push((c, i)),
            ')' | ']' | '}' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.pop()
}

/// A word close to `found` among the words the parser expected there: a
/// grain, a clause, a declaration, an aggregate, ...; the operator a swapped
/// one means (`=>` for `>=`); or, for `(` after a name, the aggregate the
/// name misspells (`smu(`).
fn hint(found: &str, before: &str, rest: &str, expected: &[Rule]) -> Option<String> {
    use crate::vocab::keywords::{DECLARATION_KEYWORDS, DURATION_WORDS, GRAIN_WORDS, TABLE_SCALE_WORDS};
    const AGGREGATES: [&str; 8] = ["count_distinct", "count", "sum", "avg", "min", "max", "median", "percentile"];
    if found == "(" {
        // The word right before the `(`, on its line (never from a comment).
        let name = before.trim_end_matches([' ', '\t']);
        let word = &name[name.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_').len()..];
        if word.is_empty() || AGGREGATES.contains(&word) {
            return None;
        }
        return crate::diagnostics::did_you_mean(word, AGGREGATES)
            .map(|d| format!("`{word}` is not an aggregate; {d}"));
    }
    if expected.contains(&Rule::direction) {
        for (swapped, meant) in [("=>", ">="), ("=<", "<=")] {
            if rest.starts_with(swapped) {
                return Some(format!("did you mean `{meant}`?"));
            }
        }
    }
    let mut words: Vec<&str> = Vec::new();
    for rule in expected {
        use Rule::*;
        words.extend_from_slice(match rule {
            grain => &GRAIN_WORDS[..],
            kpi_metric | kpi_per | kpi_by | kpi_target | kpi_warn | kpi_owner | kpi_description => {
                &["metric", "per", "by", "target", "warn", "owner", "description"][..]
            }
            declaration | single_declaration | EOI => &DECLARATION_KEYWORDS[..],
            aggregate | agg_fn => &AGGREGATES[..],
            missing_rule => &["exclude", "zero"][..],
            table_scale => &TABLE_SCALE_WORDS[..],
            duration_unit => &DURATION_WORDS[..],
            currency => crate::vocab::money::ISO_4217,
            type_arg => &DURATION_WORDS[..],
            status_word => &["met", "at_risk", "missed", "no_data"][..],
            sc_weight | sc_cap | sc_missing | sc_gate | sc_base | sc_payout => {
                &["kpi", "cap", "missing", "gate", "base", "payout"][..]
            }
            direction => &["between"][..],
            _ => &[][..],
        });
    }
    crate::diagnostics::did_you_mean(found, words)
}

/// Whether `at` lies inside a string opened on its line and never closed.
fn unterminated_string(source: &str, at: usize) -> bool {
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[at..].find('\n').map_or(source.len(), |i| at + i);
    let line = &source[line_start..line_end];
    let mut quotes = 0;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            '\\' if !escaped => {
                escaped = true;
                continue;
            }
            '"' if !escaped => quotes += 1,
            _ => {}
        }
        escaped = false;
    }
    quotes % 2 == 1
}

fn found_token(source: &str, at: usize) -> &str {
    let rest = source.get(at..).unwrap_or("");
    let len = match rest.chars().next() {
        None => 0,
        Some(c) if c.is_alphanumeric() || c == '_' => {
            rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())
        }
        Some(c) => c.len_utf8(),
    };
    &rest[..len]
}

fn describe_expected(rules: &[Rule]) -> String {
    let mut names: Vec<&str> = rules.iter().map(|r| rule_name(*r)).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() > 1 {
        names.retain(|n| *n != "something else");
    }
    match names.as_slice() {
        [] => "something else".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// How a grammar rule is named in an error message.
fn rule_name(rule: Rule) -> &'static str {
    use Rule::*;
    match rule {
        EOI => "end of declaration",
        name | ident | source_ref | metric_ref | filter_ref => "a name",
        string | string_inner => "a string",
        number => "a number",
        percent => "a percentage like `40%`",
        quantity => "a number",
        currency => "a currency code like `RUB`",
        duration_unit => "a duration unit (days, hours, minutes, seconds)",
        type_arg => "a currency code like `RUB` or a duration unit (days, hours, minutes, seconds)",
        date | datetime => "a date like `2025-03-31`",
        period => "a period like `2025-03`",
        declaration | single_declaration => {
            "a declaration (source, filter, metric, kpi, scorecard, cascade, test or import)"
        }
        column => "a column like `city: text`",
        type_expr => "a type",
        predicate | atom_pred | negation => "a condition",
        comparison | column_test => "a comparison",
        null_test => "`is null`",
        in_list | in_range | in_kw => "`in`",
        cmp_op | compared_to => "a comparison operator",
        column_ref => "a column like `orders.amount`",
        literal => "a value",
        expr | factor | paren => "an expression",
        aggregate | agg_fn => "an aggregate like `sum(orders.amount)`",
        add_op | mul_op => "an operator",
        and_op => "`and`",
        or_op => "`or`",
        not_kw => "`not`",
        where_clause => "`where`",
        kpi_metric | kpi_per | kpi_by | kpi_target | kpi_warn | kpi_owner | kpi_description => {
            "a KPI clause (metric, per, by, target, warn, owner, description)"
        }
        grain => "a grain (day, week, month, quarter, year)",
        direction => "`>=`, `<=` or `between`",
        target_value | previous_rel => "a target value",
        sc_weight | sc_cap | sc_missing | sc_gate | sc_base | sc_payout => {
            "a scorecard item (KPI weight, cap, missing, gate, base, payout)"
        }
        missing_rule => "`exclude` or `zero`",
        table_unit => "a unit like `in minutes`",
        table_scale => "a unit (percent, fraction, a currency or days, hours, minutes, seconds)",
        payout_rule | payout_range | payout_below | payout_above | payout_between => "a payout rule",
        payout_value | payout_linear => "a payout value",
        cascade_level | level_step => "`by` and a dimension",
        allocation | alloc_evenly | alloc_inherit | alloc_proportional | alloc_explicit => {
            "an allocation (`{ ... }`, evenly, inherit, proportional to PERIOD)"
        }
        alloc_entry => "an entry like `\"Retail\" 40%`",
        cascade_driver => "`from`",
        test_data | test_expect => "`data` or `expect`",
        test_file | test_rows => "`from \"file\"` or a column list like `(day, amount)`",
        test_row => "a row like `(2025-03-01, 100)`",
        test_value | null_lit => "a value or `null`",
        expect_subject | expect_kpi | expect_scorecard | expect_cascade => "a KPI, `scorecard NAME` or `cascade KPI`",
        expect_in => "`in` and a period",
        expect_check | expect_field => "a check (actual, target, attainment, status, gap, score, payout, bonus)",
        status_word => "a status (met, at_risk, missed, no_data)",
        _ => "something else",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_table_matches_grammar() {
        use crate::vocab::keywords::*;
        for kw in KEYWORDS {
            assert!(KpiParser::parse(Rule::keyword, kw).is_ok(), "{kw} is not a keyword in the grammar");
            assert!(KpiParser::parse(Rule::ident, kw).is_err(), "{kw} parses as an ident");
        }
        // And no keyword of the grammar is missing from the table: the
        // `keyword` rule is written `"a" ~ ("bove" | "nd" | "t")`, a line a letter.
        let grammar = include_str!("../../grammar/kpi.pest");
        let rule = grammar.split("keyword    = @{").nth(1).unwrap().split("~ !ident_char").next().unwrap();
        let mut words = Vec::new();
        for line in rule.lines().filter(|l| l.contains('~')) {
            let quoted: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
            words.extend(quoted[1..].iter().map(|rest| format!("{}{rest}", quoted[0])));
        }
        let mut table: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        words.sort();
        table.sort();
        assert_eq!(words, table);
        for w in GRAIN_WORDS {
            assert!(KpiParser::parse(Rule::grain, w).is_ok(), "{w} is not a grain in the grammar");
        }
        for w in DURATION_WORDS {
            assert!(KpiParser::parse(Rule::duration_unit, w).is_ok(), "{w} is not a duration unit in the grammar");
        }
        for w in TABLE_SCALE_WORDS {
            assert!(KpiParser::parse(Rule::table_scale, w).is_ok(), "{w} is not a table scale in the grammar");
        }
        for w in DECLARATION_KEYWORDS {
            assert!(KEYWORDS.contains(&w), "{w} starts a declaration but is not reserved");
        }
    }
}
