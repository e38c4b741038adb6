//! The parser on any text: it never fails, so it must never panic, overflow its
//! stack or hang, and every span it returns lies inside the text.
#![no_main]

use kpic::span::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (module, diags) = kpic::syntax::parse(FileId(0), &text);
    for decl in &module.decls {
        let span = decl.span();
        assert!(span.start <= span.end && span.end as usize <= text.len(), "declaration span {span:?} out of the text");
        assert!(text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize));
    }
    for d in &diags {
        let span = d.primary.span;
        assert!(span.start <= span.end && span.end as usize <= text.len(), "diagnostic span {span:?} out of the text");
    }
    // Every node is serialisable (what `kpic dump ast` prints).
    serde_json::to_string(&module).expect("the syntax tree serialises");
});
