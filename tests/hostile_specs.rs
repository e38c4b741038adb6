//! Hostile and malformed specs too large to keep as fixture files: each gets a
//! diagnostic, never a panic or a stack overflow.

fn codes(text: &str) -> Vec<&'static str> {
    kpic::check_text("big.kpi", text).diagnostics.iter().map(|d| d.code.as_str()).collect()
}

#[test]
fn ten_thousand_nested_parentheses() {
    let text = format!("metric m = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(codes(&text), ["E003"]);
    let pred = format!("filter f = {}true{}\n", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(codes(&pred), ["E003"]);
}

#[test]
fn a_one_megabyte_line() {
    // 250,000 additions on one line: refused as too long, not a 250,000-deep tree.
    let text = format!("metric m = 1{}\n", " + 1".repeat(250_000));
    assert!(text.len() > 1_000_000);
    assert_eq!(codes(&text), ["E003"]);
    let conditions = format!("filter f = true{}\n", " and true".repeat(120_000));
    assert_eq!(codes(&conditions), ["E003"]);
}

#[test]
fn a_long_but_reasonable_chain_is_fine() {
    let text = format!(
        "source s from \"s.csv\" {{\n  time t: date\n  x: int\n}}\n\nmetric m = sum(s.x){}\n",
        " + sum(s.x)".repeat(500)
    );
    assert!(codes(&text).is_empty(), "{:?}", codes(&text));
}

#[test]
fn a_long_string_and_a_long_name() {
    let name = "n".repeat(100_000);
    let text = format!("kpi {name} \"{}\" {{\n  per month\n}}\n", "x".repeat(1_000_000));
    assert_eq!(codes(&text), ["E302", "E303"]);
}

#[test]
fn many_broken_declarations_are_all_reported() {
    let text = "kpi a {\n  per fortnight\n}\n".repeat(1_000);
    assert_eq!(codes(&text).len(), 1_000);
}

#[test]
fn binary_garbage() {
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let program = kpic::load::load(std::path::Path::new("garbage.kpi"), &|_| Ok(bytes.clone())).unwrap();
    assert_eq!(program.diagnostics[0].code.as_str(), "E002");
}

#[test]
fn an_invalid_byte_is_marked_on_a_whole_character() {
    // The text keeps U+FFFD where the bad byte was; a label splitting it made
    // any code that slices the text at the label panic.
    let program = kpic::load::load(std::path::Path::new("bad.kpi"), &|_| Ok(b"metric m = \xff1\n".to_vec())).unwrap();
    let d = &program.diagnostics[0];
    assert_eq!(d.code.as_str(), "E002");
    assert_eq!(program.sources.slice(d.primary.span), "\u{FFFD}");
}

// Hostile specs run through the fuzz targets (docs/fuzzing.md): each crashed,
// hung or overflowed the stack before its fix.

#[test]
fn four_thousand_nots_in_a_row() {
    // Walked recursively by every stage; refused like deep brackets.
    let text = format!("filter f = {}true\n", "not ".repeat(4_000));
    assert_eq!(codes(&text), ["E003"]);
    assert_eq!(kpic::fmt::format(&text), None);
}

#[test]
fn a_cascade_three_thousand_levels_deep() {
    // Was a stack overflow in fmt and minutes of checking (every chain of levels).
    let text = format!("cascade k by a evenly{}\n", " then by a evenly".repeat(3_000));
    assert!(codes(&text).contains(&"E003"), "{:?}", codes(&text));
    assert_eq!(kpic::fmt::format(&text), None);
}

#[test]
fn forty_metrics_that_each_double_the_one_before() {
    // Inlining metrics into the plan took 2^40 steps.
    let mut text = String::from("source s from \"s.csv\" {\n  time t: date\n  x: int\n}\nmetric m0 = sum(s.x)\n");
    for i in 1..40 {
        text.push_str(&format!("metric m{i} = m{} + m{}\n", i - 1, i - 1));
    }
    text.push_str("kpi k {\n  metric m39\n  per month\n  target >= 1\n}\n");
    assert_eq!(codes(&text), ["E003"]);
}

#[test]
fn a_diagnostic_far_into_a_long_line_is_rendered() {
    // miette pads to the label's column, and Rust refuses widths over 65,535.
    use kpic::diagnostics::render;
    let text = format!("metric m = 1{} +\n", " + 1".repeat(20_000));
    let checked = kpic::check_text("long.kpi", &text);
    assert_eq!(checked.diagnostics.len(), 1);
    let shown = render::to_human(&checked.diagnostics[0], &checked.sources, render::Color::Never);
    assert!(shown.contains("at long.kpi:1:80015: expected an expression"), "{shown}");
    // A label on a reasonable line is still drawn under the source.
    let short = kpic::check_text("short.kpi", "metric m = 1 +\n");
    let shown = render::to_human(&short.diagnostics[0], &short.sources, render::Color::Never);
    assert!(shown.contains("1 │ metric m = 1 +"), "{shown}");
}

/// A chain of 70 imports stops at 64 with E007, never recursing without end.
#[test]
fn import_chains_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..70 {
        let text = format!("import \"f{}.kpi\"\n\nsource s{i} from \"s.csv\" {{\n  time t: date\n}}\n", i + 1);
        std::fs::write(dir.path().join(format!("f{i}.kpi")), text).unwrap();
    }
    std::fs::write(dir.path().join("f70.kpi"), "source last from \"s.csv\" {\n  time t: date\n}\n").unwrap();
    let checked = kpic::check_spec(&dir.path().join("f0.kpi"), &|p| std::fs::read(p)).unwrap();
    let cycle: Vec<&str> =
        checked.diagnostics.iter().filter(|d| d.code.as_str() == "E007").map(|d| d.message.as_str()).collect();
    assert_eq!(cycle.len(), 1, "{:?}", checked.diagnostics);
    assert!(cycle[0].starts_with("imports nest more than 64 files deep"), "{}", cycle[0]);
    // f0 .. f63 are read; the import f63 makes is the one refused.
    assert_eq!(checked.sources.files().count(), 64);
}
