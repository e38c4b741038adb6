//! Compilation to plans without data: every spec the checker accepts lowers to an
//! IR whose references all point inside it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let checked = kpic::check_text("fuzz.kpi", text);
    if checked.has_errors() {
        return;
    }
    let plan = kpic::ir::lower(&checked.model, &[]);
    assert_eq!(plan.kpis.len(), checked.model.kpis.len(), "one plan per KPI");
    for query in &plan.queries {
        assert!(query.scan < plan.scans.len(), "a query reads a scan that is not in the plan");
    }
    for kpi in plan.kpis.iter().chain(plan.levels.iter().map(|l| &l.plan)) {
        for q in &kpi.queries {
            assert!(*q < plan.queries.len(), "KPI `{}` reads a query that is not in the plan", kpi.name);
        }
    }
});
