//! Property tests of the formatter on generated specs (tests/spec_gen): for any
//! grammatical spec in any layout, `kpic fmt` succeeds, is idempotent, and the
//! formatted spec parses to the same syntax tree up to spans.
//!
//! 256 cases by default (a few seconds); `PROPTEST_CASES=20000 cargo test --test
//! fmt_properties` runs more.

mod spec_gen;

use kpic::span::FileId;
use proptest::prelude::*;
use serde_json::Value;

/// The syntax tree as JSON, with every span removed (positions change when the
/// layout does; nothing else may).
fn tree(text: &str) -> Value {
    let (module, diags) = kpic::syntax::parse(FileId(0), text);
    let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert!(diags.is_empty(), "does not parse: {messages:?}\n{text}");
    let mut value = serde_json::to_value(&module.decls).unwrap();
    erase_spans(&mut value);
    value
}

fn erase_spans(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let is_span = map.len() == 3 && ["file", "start", "end"].iter().all(|k| map.contains_key(*k));
            if is_span {
                *value = Value::Null;
                return;
            }
            map.values_mut().for_each(erase_spans);
        }
        Value::Array(items) => items.iter_mut().for_each(erase_spans),
        _ => {}
    }
}

/// Comment texts, in order.
fn comments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        for (i, c) in line.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_string => escaped = true,
                '"' => in_string = !in_string,
                '/' if !in_string && line[i..].starts_with("//") => {
                    out.push(line[i..].trim_end().to_string());
                    break;
                }
                _ => {}
            }
        }
    }
    out
}

/// For each comment, how many words of code (runs of letters, digits and
/// `_`, strings included) come before it. Formatting re-spaces code and may
/// move a comment to its own line, but a comment that stays next to the code
/// it was written next to has the same count.
fn words_before_comments(text: &str) -> Vec<usize> {
    let (mut out, mut words) = (Vec::new(), 0);
    let (mut in_string, mut escaped, mut in_word) = (false, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let word = c.is_alphanumeric() || c == '_';
        if word && !in_word {
            words += 1;
        }
        in_word = word;
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '\n' => in_string = false,
            '/' if !in_string && chars.peek() == Some(&'/') => {
                out.push(words);
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                in_word = false;
            }
            _ => {}
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { max_shrink_iters: 4096, ..ProptestConfig::default() })]

    #[test]
    fn fmt_is_idempotent_and_keeps_the_tree(decls in spec_gen::spec(), layout in proptest::collection::vec(any::<u8>(), 1..64)) {
        let text = spec_gen::render(&decls, &layout);
        let before = tree(&text);
        let once = kpic::fmt::format(&text);
        prop_assert!(once.is_some(), "a spec that parses does not format:\n{}", text);
        let once = once.unwrap_or_default();
        let twice = kpic::fmt::format(&once);
        prop_assert_eq!(Some(&once), twice.as_ref(), "fmt is not idempotent on\n{}", text);
        prop_assert_eq!(tree(&once), before, "fmt changed the tree of\n{}\ninto\n{}", text, once);
        prop_assert_eq!(comments(&once), comments(&text), "fmt lost or moved comments of\n{}\ninto\n{}", text, once);
        prop_assert_eq!(
            words_before_comments(&once),
            words_before_comments(&text),
            "fmt moved a comment away from its code in\n{}\ninto\n{}",
            text,
            once
        );
    }
}

#[test]
fn comments_stay_with_their_code_in_multi_line_expressions() {
    let text = "metric revenue = sum(orders.amount) // paid only\n  + sum(orders.amount) // twice\n\nkpi k {\n  metric revenue\n  per month\n  target >= 1\n}\n";
    let once = kpic::fmt::format(text).unwrap();
    assert_eq!(words_before_comments(&once), words_before_comments(text), "{once}");
    // The count sees a comment moved below the declaration.
    let moved = "metric revenue = sum(orders.amount) + sum(orders.amount)\n// paid only\n// twice\n";
    assert_ne!(words_before_comments(moved), words_before_comments(text));
}

#[test]
fn span_erasure_sees_everything_but_spans() {
    // The comparison is only as strong as this: layout is ignored, a changed
    // literal, name or grouping is not.
    let a = tree("metric m = sum(s.x) + 1\n");
    assert_eq!(a, tree("metric   m =\n  sum( s.x )+1 // c\n"));
    assert_ne!(a, tree("metric m = sum(s.x) + 2\n"));
    assert_ne!(a, tree("metric m = sum(s.y) + 1\n"));
    assert_ne!(a, tree("metric m = (sum(s.x) + 1)\n"));
    assert_ne!(tree("kpi k {\n  per month\n}\n"), tree("kpi k {\n  per week\n}\n"));
}

/// Cases the property found, minimised: each was a formatter bug.
#[test]
fn formats_what_the_property_found() {
    let cases = [
        // A comment inside a declaration stays where it was written (it used
        // to move before the next declaration).
        ("metric a_ // note\n= 1\n\nmetric b_ = 2\n", "metric a_ // note\n  = 1\n\nmetric b_ = 2\n"),
        // An empty explicit level after `then` kept its closing brace.
        ("cascade k by a inherit then by b { }\n", "cascade k by a inherit then by b { }\n"),
        // ... and a level chained after it.
        (
            "cascade k by a inherit then by b { \"x\" 1 \"y\"  2 } then by c evenly\n",
            "cascade k by a inherit then by b { \"x\" 1 \"y\" 2 } then by c evenly\n",
        ),
        // Spaces inside a string are its value.
        ("filter f = s.c == \"New  York\"\n", "filter f = s.c == \"New  York\"\n"),
        // A `}` inside the org chart's path is not the end of the block.
        ("cascade k by a from \"x}.csv\" {\n  // c\n}\n", "cascade k by a from \"x}.csv\" {\n  // c\n}\n"),
        // A comment between `by` and a dimension whose name starts with "by".
        (
            "kpi k {\n  metric count(s)\n  per month\n  by // note\n  bytes\n}\n",
            "kpi k {\n  metric count(s)\n  per month\n  by // note\n    bytes\n}\n",
        ),
        // Payout numbers as written: printed back from fractions, they drifted.
        (
            "scorecard s by m per month {\n  payout {\n    above 0.000000001%=>1_000 // top\n  }\n}\n",
            "scorecard s by m per month {\n  payout {\n    above 0.000000001% => 1_000  // top\n  }\n}\n",
        ),
    ];
    for (input, expected) in cases {
        let once = kpic::fmt::format(input).unwrap();
        assert_eq!(once, expected, "formatting\n{input}");
        assert_eq!(kpic::fmt::format(&once).as_deref(), Some(expected), "formatting twice\n{input}");
        assert_eq!(tree(&once), tree(input));
    }
}
