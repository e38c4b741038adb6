//! The formatter on any text. When it formats (the text parses), formatting again
//! changes nothing, and the result means the same: as many declarations, and the
//! same diagnostic codes from the whole front end.
#![no_main]

use kpic::span::FileId;
use libfuzzer_sys::fuzz_target;

fn decl_count(text: &str) -> usize {
    kpic::syntax::parse(FileId(0), text).0.decls.len()
}

fn codes(text: &str) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> =
        kpic::check_text("fuzz.kpi", text).diagnostics.iter().map(|d| d.code.as_str()).collect();
    // Moving code around may reorder diagnostics that are sorted by position.
    codes.sort_unstable();
    codes
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(once) = kpic::fmt::format(text) else { return };
    let twice = kpic::fmt::format(&once);
    assert_eq!(twice.as_deref(), Some(once.as_str()), "formatting is not idempotent");
    assert_eq!(decl_count(text), decl_count(&once), "formatting changed the number of declarations");
    assert_eq!(codes(text), codes(&once), "formatting changed the diagnostics");
});
