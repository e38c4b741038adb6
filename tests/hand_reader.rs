//! The hand-written reader of common declarations (src/syntax/hand_reader.rs) against
//! pest: wherever it gives a tree, pest parses that declaration with no
//! diagnostic into the same tree, spans included. Checked on every fixture and
//! example, on the benchmark's spec, on generated specs and on generated specs
//! with random edits (most of which no longer parse).

mod spec_gen;

#[allow(dead_code)]
#[path = "../benches/check.rs"]
mod bench;

use proptest::prelude::*;
use std::path::Path;

/// How many declarations of `text` the reader read, and how many there are;
/// an error if it read one differently from pest.
fn agree(text: &str) -> Result<(usize, usize), String> {
    let readings = kpic::syntax::both_readings(text);
    let mut read = 0;
    for (fast, pest, diags) in &readings {
        let Some(fast) = fast else { continue };
        read += 1;
        if !diags.is_empty() {
            let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
            return Err(format!("the reader read a declaration pest reports {messages:?} on:\n{text}"));
        }
        if pest.as_ref() != Some(fast) {
            return Err(format!("the reader and pest disagree on:\n{text}\nreader: {fast:#?}\npest: {pest:#?}"));
        }
    }
    Ok((read, readings.len()))
}

fn kpi_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            kpi_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "kpi") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_and_example_reads_as_pest_reads_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests", "examples", "benches", "docs"] {
        kpi_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "found only {} spec files", files.len());
    let (mut read, mut total) = (0, 0);
    for file in &files {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        let (r, t) = agree(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        read += r;
        total += t;
    }
    // Most declarations are the kinds the reader reads; the rest go to pest.
    assert!(read * 2 > total, "the reader read only {read} of {total} declarations");
}

#[test]
fn the_benchmark_spec_is_read_without_pest() {
    let text = bench::generate(120);
    let (read, total) = agree(&text).unwrap();
    assert_eq!(read, total, "the reader gave {} of the benchmark's declarations to pest", total - read);
}

#[test]
fn tricky_declarations() {
    // (declaration, whether the reader reads it)
    let cases = [
        ("source s from \"s.csv\" {\n  time created: datetime\n  timestamp: datetime\n  format: text format \"x\"\n}", true),
        ("source s from \"s.csv\" {\n  formatted: text\n  amount: money( RUB )\n}", true),
        ("source s from\"s.csv\"{time t:datetime}", true),
        ("filter f = not not (s.a is not null or s.b not in [1, 2,]) and s.c in 1 .. 5", true),
        ("filter f = true == s.flag or false or other", true),
        ("filter f = \"x\" != s.c and -5 < s.n and 2025-03-01 10:00 <= s.t", true),
        ("filter f = s.c in 2025-01-01 .. 2025-03-31", true),
        ("filter f = s.c in [\"a\\\"b\", \"\\u{20BD}\", \"http://x\"] // c", true),
        ("metric m \"label\" = -sum(s.a where f)[-1 month] / count(s) * 2 - 3 RUB + 40% - -1", true),
        ("metric m = change(a) + percentile(s.a, 0.9) + sum + count_distinct(s.c)", true),
        ("metric m = a // trailing\n  where f // after\n", true),
        ("kpi k \"K\" {\n metric m where f\n per month\n by a, b\n target >= previous - 5%\n target <= table \"t.csv\" column \"c\" from 2025-Q1\n warn within 10%\n owner \"o\"\n description \"d\"\n}", true),
        ("kpi k { target between 1 and 2 from 2025-03-14 target >= 3 days from 2025 }", true),
        ("import \"other.kpi\"", true),
        ("metric m = sum (s.a) + count ( s where f , 1 )", true),
        // Pest refuses these: the reader must not read them.
        ("metric m = 5\tRUB", false),
        ("metric m = 5 RUBX", false),
        ("filter f = s . c == 1", false),
        ("filter f = s.c == 1 and", false),
        ("filter f = x(", false),
        ("metric m = a b", false),
        ("metric m = a[-1 months", false),
        ("kpi k { owner \"a\nb\" }", false),
        ("source s from \"x\" { time: datetime }", false),
        ("source s from \"x\" { a: money(RUBX) }", false),
        ("filter f = s.c in [1 2]", false),
        ("filter f = s.c in 1.. ", false),
        ("kpi k { target >= previous + }", false),
        ("kpi k { target >= 5 from 2025-3 }", false),
        // Pest accepts these, with a diagnostic or a reading of its own: the reader leaves them to it.
        ("filter f = s.c is nullx", false),
        ("filter f = not.x == 1", false),
        ("metric kpi = 1", false),
        ("metric m = a[-1.5 month]", false),
        ("kpi k { per month per week }", false),
        ("kpi k { target >= 2025-02-30 }", false),
        ("filter f = s.d == 2025-02-30", false),
        ("filter f = s.c == \"\\u{110000}\"", false),
        ("metric m = 1e400", false),
        ("kpi k { bymanager }", false),
        ("scorecard sc by manager per month { k 100% }", false),
    ];
    for (text, read) in cases {
        let readings = kpic::syntax::both_readings(text);
        assert_eq!(readings.len(), 1, "{text}");
        agree(text).unwrap();
        assert_eq!(readings[0].0.is_some(), read, "{text}");
        if read {
            assert!(readings[0].1.is_some(), "pest does not parse {text}");
        }
    }
}

/// Bits of text to insert: tokens, half tokens and separators.
const PIECES: &[&str] = &[
    " ",
    "\n",
    "\t",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    ".",
    ",",
    ":",
    "-",
    "+",
    "*",
    "/",
    "//",
    "%",
    "=",
    "==",
    "<",
    ">=",
    "..",
    "0",
    "1_0",
    "2.5",
    "2025-03-01",
    " 10:00",
    "2025-Q1",
    "x",
    "_",
    "é",
    "\\",
    "\\u{",
    "not ",
    "and ",
    "or ",
    "in ",
    "is ",
    "null",
    "true",
    "time",
    "where ",
    "per ",
    "by ",
    "target ",
    "metric ",
    "kpi ",
    "RUB",
    " days",
    "format ",
    "from ",
    "table ",
    "previous ",
    "change",
    "sum",
    "count",
    "month",
    "between ",
    "warn within ",
];

/// `text` with each edit applied: (where, what) deletes a character or inserts a piece.
fn edited(text: &str, edits: &[(usize, usize)]) -> String {
    let mut text = text.to_string();
    for &(at, what) in edits {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        if what % 3 == 0 {
            if let Some(c) = text[at..].chars().next() {
                text.replace_range(at..at + c.len_utf8(), "");
            }
        } else {
            text.insert_str(at, PIECES[what % PIECES.len()]);
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_specs_read_as_pest_reads_them(decls in spec_gen::spec(), layout in proptest::collection::vec(any::<u8>(), 1..64)) {
        let text = spec_gen::render(&decls, &layout);
        let result = agree(&text);
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }

    #[test]
    fn edited_specs_read_as_pest_reads_them(
        decls in spec_gen::spec(),
        layout in proptest::collection::vec(any::<u8>(), 1..64),
        edits in proptest::collection::vec((any::<usize>(), any::<usize>()), 1..4),
    ) {
        let text = edited(&spec_gen::render(&decls, &layout), &edits);
        let result = agree(&text);
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}
