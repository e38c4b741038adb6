//! The whole front end on any bytes: load (UTF-8 check), parse, check, lint, and
//! every way a diagnostic is shown (miette, JSON, GitHub, SARIF). Rendering is
//! where a span out of its file, or off a character boundary, would panic.
#![no_main]

use kpic::diagnostics::{machine, render};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let root = Path::new("fuzz.kpi");
    // Imports are not followed: every other path is missing (E006).
    let read = |p: &Path| {
        if p == root {
            Ok(data.to_vec())
        } else {
            Err(std::io::ErrorKind::NotFound.into())
        }
    };
    let checked = kpic::check_spec(root, &read).expect("the root is readable");
    let mut machine_view = Vec::new();
    for d in &checked.diagnostics {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            let file = checked.sources.get(label.span.file);
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            assert!(start <= end && end <= file.text.len(), "{}: span {start}..{end} out of its file", d.code.as_str());
            assert!(
                file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
                "{}: span {start}..{end} splits a character",
                d.code.as_str()
            );
        }
        let _ = render::to_human(d, &checked.sources, render::Color::Never);
        let _ = serde_json::to_string(&render::JsonDiagnostic::new(d, &checked.sources)).unwrap();
        let _ = machine::github(d, &checked.sources);
        machine_view.push((d.clone(), &checked.sources));
    }
    let _ = machine::sarif(&machine_view);
    let _ = render::summary(&checked.diagnostics, checked.sources.files().count());
});
