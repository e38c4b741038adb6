//! Backends run a plan's queries where the data is: files through polars,
//! tables in a warehouse through their engine's SQL. Each scan goes to the
//! backend of its location, so one plan may mix them.

pub mod errors;
pub mod polars;
pub mod sql;

pub use errors::DataError;

use crate::diagnostics::Diagnostic;
use crate::ir::{AggQuery, AggTable, Plan, Results, Scan};

/// Run a plan: every query, each source read once for all its queries, and
/// every planning table. `on_scan(scan, index, of)` is called before each
/// source is read.
pub fn run(plan: &Plan, on_scan: &dyn Fn(&Scan, usize, usize)) -> Result<Results, Diagnostic> {
    run_with(plan, on_scan, None)
}

/// [`run`] with files read in batches of `batch_bytes` (slices of about that
/// share of a typed file's rows), however small the files: for tests that the
/// merged results equal the single pass.
#[doc(hidden)]
pub fn run_in_batches(plan: &Plan, batch_bytes: usize) -> Result<Results, Diagnostic> {
    run_with(plan, &|_, _, _| {}, Some(batch_bytes))
}

/// The problems of a run's data, when `first` stopped it: `first` and every
/// other value of the plan's CSV files that does not fit its column (a
/// problem per column), so that a run shows what `check --data` would
/// rather than one problem at a time.
pub fn every_problem(plan: &Plan, first: Diagnostic) -> Vec<Diagnostic> {
    let read = plan.scans.iter().enumerate().filter(|(s, _)| plan.queries.iter().any(|q| q.scan == *s));
    let mut all: Vec<Diagnostic> =
        read.filter_map(|(_, scan)| polars::SourceFile::of(scan)).flat_map(|f| polars::every_bad_value(&f)).collect();
    // The same problem found again, with how many more values it has.
    let again = |d: &Diagnostic| d.code == first.code && d.message.starts_with(first.message.as_str());
    if !all.iter().any(again) {
        all.insert(0, first);
    }
    all
}

fn run_with(
    plan: &Plan,
    on_scan: &dyn Fn(&Scan, usize, usize),
    batch_bytes: Option<usize>,
) -> Result<Results, Diagnostic> {
    let mut aggregates = vec![AggTable::default(); plan.queries.len()];
    #[cfg(feature = "warehouse")]
    let mut sessions = sql::Sessions::default();
    let read: Vec<usize> = (0..plan.scans.len()).filter(|s| plan.queries.iter().any(|q| q.scan == *s)).collect();
    for (index, &si) in read.iter().enumerate() {
        let scan = &plan.scans[si];
        on_scan(scan, index, read.len());
        let mine: Vec<usize> = (0..plan.queries.len()).filter(|q| plan.queries[*q].scan == si).collect();
        let of_scan: Vec<&AggQuery> = mine.iter().map(|q| &plan.queries[*q]).collect();
        let tables = match polars::SourceFile::of(scan) {
            Some(file) => polars::run_scan(&file, &of_scan, batch_bytes)?,
            #[cfg(feature = "warehouse")]
            None => sql::run_scan(scan, &of_scan, &mut sessions).map_err(|e| e.diagnostic(scan))?,
            #[cfg(not(feature = "warehouse"))]
            None => return Err(DataError::NoConnector.diagnostic(scan)),
        };
        for (q, table) in mine.iter().zip(tables) {
            aggregates[*q] = table;
        }
    }
    Ok(Results { aggregates, tables: polars::read_tables(&plan.tables) })
}
