//! The SQL of every dialect, proven and pinned.
//!
//! - `snapshot::CASE@DIALECT`: the statements of each case under
//!   tests/fixtures/sql/ in every dialect, without a window and in each window
//!   its `periods` file lists.
//! - `escape::DIALECT`: the escape contract: identifiers and string literals
//!   with quotes, backticks, backslashes, line breaks and non-ASCII text, and
//!   the table paths kpic refuses.
//! - `run::ENGINE::CASE`: the statements run on a real engine (DuckDB and
//!   ClickHouse in process through Python's `duckdb` and `chdb`, a PostgreSQL
//!   server this test starts on loopback) over the case's data, and the
//!   engine's answer, read as the warehouse backend reads it, equals the
//!   polars backend's aggregate tables: bit for bit for counts, exact sums,
//!   minima, maxima and distinct counts; within 1e-12 relative for float sums
//!   and percentiles, which engines add in their own order. The cases are
//!   those of tests/fixtures/sql and tests/fixtures/eval.
//! - `parse::DIALECT`: Snowflake, BigQuery and Trino cannot run here (and
//!   Spark runs in the next step's tests); an independent parser of each
//!   dialect (Python's `sqlglot`) parses every statement and reads back every
//!   string literal unchanged.
//! - `zone::ENGINE`: times stored as instants are cut into periods in the
//!   connection's time zone, checked against periods computed by hand.
//!
//! `.ci/setup` installs the Python packages; `KPIC_SKIP_SQL_ENGINES=1` skips
//! the engine trials on a machine without them (never in CI).

mod common;

use common::engines::{python, tables, JobTable, Postgres};
use kpic::backend::sql::{self, Value};
use kpic::eval::Window;
use kpic::ir::{AggTable, Plan};
use kpic::vocab::{Engine, FileFormat};
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

fn main() {
    let mut trials = Vec::new();
    for case in sql_cases() {
        for engine in Engine::ALL {
            let c = case.clone();
            trials.push(Trial::test(format!("snapshot::{}@{}", c.name, engine.as_str()), move || snapshot(&c, engine)));
        }
    }
    for engine in Engine::ALL {
        trials.push(Trial::test(format!("escape::{}", engine.as_str()), move || escape_contract(engine)));
    }
    trials.push(Trial::test("refused_table_paths", refused_table_paths));
    trials.push(Trial::test("sums_are_cast_only_where_the_stored_type_needs_it", sums_cast_where_needed));
    for engine in [Engine::Duckdb, Engine::Postgres, Engine::Clickhouse] {
        for case in runnable_cases() {
            trials.push(Trial::test(format!("run::{}::{}", engine.as_str(), case.name), move || {
                run_on_engine(engine, &case)
            }));
        }
        trials.push(Trial::test(format!("run::{}::literals", engine.as_str()), move || literals_read_back(engine)));
        trials.push(Trial::test(format!("zone::{}", engine.as_str()), move || zone_aware_times(engine)));
    }
    for engine in [Engine::Snowflake, Engine::Bigquery, Engine::Trino, Engine::Spark] {
        trials.push(Trial::test(format!("parse::{}", engine.as_str()), move || parsed_by_sqlglot(engine)));
    }
    let conclusion = libtest_mimic::run(&Arguments::from_args(), trials);
    if let Some(pg) = POSTGRES.get() {
        pg.lock().unwrap().take();
    }
    conclusion.exit();
}

#[derive(Clone)]
struct Case {
    name: String,
    spec: PathBuf,
    /// The windows the SQL is also written and run for, by label.
    windows: Vec<(String, Window)>,
}

fn window(label: &str) -> Window {
    let p = kpic::eval::period::parse(label).unwrap_or_else(|| panic!("`{label}` is not a period"));
    Window { from: Some(p.start), until: Some(p.end()) }
}

fn case_in(dir: &Path) -> Case {
    let periods = std::fs::read_to_string(dir.join("periods")).unwrap_or_default();
    Case {
        name: dir.file_name().unwrap().to_string_lossy().into_owned(),
        spec: dir.join("spec.kpi"),
        windows: periods.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| (l.to_string(), window(l))).collect(),
    }
}

fn dirs(root: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

fn sql_cases() -> Vec<Case> {
    let cases: Vec<Case> = dirs("tests/fixtures/sql").iter().map(|d| case_in(d)).collect();
    assert!(cases.len() >= 3, "only {} SQL cases", cases.len());
    cases
}

/// The SQL cases and every evaluation fixture whose data loads into a table
/// as it is: CSV files without a `format` (a warehouse stores dates as
/// dates); the evaluation fixtures also in February 2025.
fn runnable_cases() -> Vec<Case> {
    let mut cases = sql_cases();
    for dir in dirs("tests/fixtures/eval") {
        let mut case = case_in(&dir);
        let checked = checked(&case);
        let Ok(plan) = kpic::lower(&checked, &kpic::Selection::default()) else { continue };
        let loadable = plan.scans.iter().all(|s| {
            matches!(&s.location, kpic::ir::Location::File { format: FileFormat::Csv, path } if path.exists())
                && s.columns.iter().all(|c| c.format.is_none())
        });
        if loadable && kpic::run(&plan, &kpic::eval::Quiet).is_ok() {
            case.windows.push(("2025-02".into(), window("2025-02")));
            cases.push(case);
        }
    }
    assert!(cases.len() >= 20, "only {} runnable cases", cases.len());
    cases
}

fn checked(case: &Case) -> kpic::Checked {
    let checked = kpic::check_spec(&case.spec, &|p| std::fs::read(p)).unwrap();
    let errors: Vec<&str> = checked.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.as_str()).collect();
    assert!(errors.is_empty(), "{}: {errors:?}", case.name);
    checked
}

/// The plan of a case, without a window or in one.
fn plans(case: &Case) -> Vec<(String, Plan)> {
    let checked = checked(case);
    let all = std::iter::once(("every period".to_string(), Window::default())).chain(case.windows.iter().cloned());
    all.map(|(label, window)| {
        let selection = kpic::Selection { window, ..Default::default() };
        (label, kpic::lower(&checked, &selection).unwrap())
    })
    .collect()
}

fn snapshot(case: &Case, engine: Engine) -> Result<(), Failed> {
    let mut text = String::new();
    for (label, plan) in plans(case) {
        text.push_str(&format!("=== {label}\n"));
        match sql::statements(&plan, Some(engine), &Default::default()) {
            Ok(statements) => {
                if let Some(first) = statements.first() {
                    for s in &first.session {
                        text.push_str(&format!("{s};\n"));
                    }
                }
                for s in statements {
                    text.push_str(&format!("-- query {}\n{};\n", s.query, s.sql));
                }
            }
            Err((qi, e)) => text.push_str(&format!("error in query {qi}: {e}\n")),
        }
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_input_file(&case.spec);
    settings.set_prepend_module_to_snapshot(true);
    settings.bind(|| insta::assert_snapshot!(format!("{}@{}", case.name, engine.as_str()), text));
    Ok(())
}

/// Text that breaks naive quoting in some dialect.
const TRICKY: [&str; 9] = [
    "plain",
    "it's",
    "say \"hi\"",
    "back`tick",
    "C:\\path\\",
    "line\nbreak\r\ttab",
    "Москва ✓ Zoë",
    "'; DROP TABLE orders; --",
    "\\'",
];

fn escape_contract(engine: Engine) -> Result<(), Failed> {
    let d = sql::dialect::of(engine);
    let mut text = String::new();
    for s in TRICKY {
        text.push_str(&format!("{s:?}\n  string: {}\n  name:   {}\n", d.string(s), d.column(s)));
    }
    insta::assert_snapshot!(format!("escape_{}", engine.as_str()), text);
    Ok(())
}

fn refused_table_paths() -> Result<(), Failed> {
    let paths = [
        "sales.orders",
        "warehouse.sales.orders",
        "a.b.c.d",
        "",
        "sales..orders",
        "sales.orders;",
        "orders -- x",
        "orders /* x */",
        "or\"ders",
        "or'ders",
        "or`ders",
        "or\\ders",
        "or\nders",
        "Заказы.2025",
    ];
    let mut text = String::new();
    for p in paths {
        match kpic::vocab::TablePath::parse(p) {
            Ok(t) => text.push_str(&format!("{p:?}: ok {:?}\n", t.0)),
            Err(e) => text.push_str(&format!("{p:?}: refused: {e}\n")),
        }
    }
    insta::assert_snapshot!(text);
    Ok(())
}

// ---------------------------------------------------------------- engines

/// What a job sends to tests/tools/sql_engine.py, and what it returns.
#[derive(serde::Serialize)]
struct Job {
    id: String,
    tables: Vec<JobTable>,
    session: Vec<String>,
    statements: Vec<String>,
}

#[derive(serde::Deserialize, Clone)]
struct JobResult {
    error: Option<String>,
    results: Vec<StatementResult>,
}

#[derive(serde::Deserialize, Clone)]
struct StatementResult {
    columns: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

static POSTGRES: OnceLock<Mutex<Option<Postgres>>> = OnceLock::new();

/// What one engine answered, by job.
type Answers = Result<HashMap<String, JobResult>, String>;

/// Every job of one engine, run at the first trial that needs it.
fn engine_results(engine: Engine) -> &'static Answers {
    static RESULTS: OnceLock<Mutex<HashMap<Engine, &'static Answers>>> = OnceLock::new();
    let cache = RESULTS.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap();
    if let Some(r) = cache.get(&engine) {
        return r;
    }
    let result: &'static _ = Box::leak(Box::new(run_jobs(engine)));
    cache.insert(engine, result);
    result
}

fn job_id(case: &str, label: &str) -> String {
    format!("{case} | {label}")
}

fn run_jobs(engine: Engine) -> Answers {
    let mut jobs = Vec::new();
    for case in runnable_cases() {
        for (label, plan) in plans(&case) {
            let statements = sql::statements(&plan, Some(engine), &Default::default())
                .map_err(|(q, e)| format!("{}: query {q}: {e}", case.name))?;
            jobs.push(Job {
                id: job_id(&case.name, &label),
                tables: tables(&plan),
                session: statements.first().map(|s| s.session.clone()).unwrap_or_default(),
                statements: statements.into_iter().map(|s| s.sql).collect(),
            });
        }
    }
    jobs.push(literal_job(engine));
    jobs.push(zone_job(engine));
    let dsn = match engine {
        Engine::Postgres => {
            let pg = POSTGRES.get_or_init(|| Mutex::new(None));
            let mut pg = pg.lock().unwrap();
            if pg.is_none() {
                *pg = Some(Postgres::start().map_err(|e| format!("PostgreSQL did not start: {e}"))?);
            }
            Some(pg.as_ref().unwrap().dsn.clone())
        }
        _ => None,
    };
    let input = serde_json::json!({"engine": engine.as_str(), "dsn": dsn, "jobs": jobs});
    let out = python("sql_engine.py", &input)?;
    let mut results = HashMap::new();
    for job in out["jobs"].as_array().ok_or("no jobs")? {
        let id = job["id"].as_str().unwrap().to_string();
        results.insert(id, serde_json::from_value(job.clone()).map_err(|e| e.to_string())?);
    }
    Ok(results)
}

fn value(cell: &Option<String>) -> Value {
    let Some(cell) = cell else { return Value::Null };
    let (tag, text) = cell.split_once(':').expect("a tagged cell");
    match tag {
        "i" => Value::Int(text.parse().unwrap()),
        "f" => Value::Float(text.parse().unwrap()),
        "d" => Value::Decimal(text.to_string()),
        "b" => Value::Bool(text == "true"),
        "D" => Value::Date(chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()),
        _ => Value::Text(text.to_string()),
    }
}

fn engine_skipped() -> bool {
    common::skipped("KPIC_SKIP_SQL_ENGINES", "running the SQL on DuckDB, PostgreSQL and ClickHouse")
}

fn run_on_engine(engine: Engine, case: &Case) -> Result<(), Failed> {
    let mut compared = 0;
    for (label, plan) in plans(case) {
        let Some(job) = answer(engine, &job_id(&case.name, &label))? else { return Ok(()) };
        let polars = kpic::run(&plan, &kpic::eval::Quiet).map_err(|d| d.message.clone())?;
        let statements = sql::statements(&plan, Some(engine), &Default::default()).unwrap();
        for (s, result) in statements.iter().zip(&job.results) {
            let query = &plan.queries[s.query];
            let rows: Vec<Vec<Value>> = result.rows.iter().map(|r| r.iter().map(value).collect()).collect();
            let got =
                sql::to_table(query, &result.columns, &rows).map_err(|e| format!("{label}: query {}: {e}", s.query))?;
            let scan = &plan.scans[query.scan];
            compare(&polars.aggregates[s.query], &got, query, scan)
                .map_err(|e| format!("{label}: query {} on {}:\n{e}\n{}", s.query, engine.title(), s.sql))?;
            compared += 1;
        }
    }
    assert!(compared > 0, "{}: no statement compared", case.name);
    Ok(())
}

type Rows = HashMap<(chrono::NaiveDate, Vec<Option<String>>), usize>;

fn rows_of(t: &AggTable) -> Rows {
    (0..t.periods.len()).map(|i| ((t.periods[i], t.keys.iter().map(|k| k[i].clone()).collect()), i)).collect()
}

/// The engine's table against the polars backend's: the same groups, and
/// per aggregate the same bits, or for sums of floats and percentiles,
/// which depend on the order of additions, within 1e-12 relative.
fn compare(polars: &AggTable, got: &AggTable, query: &kpic::ir::AggQuery, scan: &kpic::ir::Scan) -> Result<(), String> {
    let (want_rows, got_rows) = (rows_of(polars), rows_of(got));
    let mut missing: Vec<_> = want_rows.keys().filter(|k| !got_rows.contains_key(k)).collect();
    let mut extra: Vec<_> = got_rows.keys().filter(|k| !want_rows.contains_key(k)).collect();
    missing.sort();
    extra.sort();
    if !missing.is_empty() || !extra.is_empty() {
        return Err(format!("groups differ: only polars {missing:?}; only the engine {extra:?}"));
    }
    for a in &query.aggs {
        let exact = a.is_exact(scan);
        for (key, &i) in &want_rows {
            let (w, g) = (polars.values[&a.alias][i], got.values[&a.alias][got_rows[key]]);
            let same = match (w, g) {
                (Some(w), Some(g)) if exact => w.to_bits() == g.to_bits(),
                (Some(w), Some(g)) => (w - g).abs() <= 1e-12 * w.abs().max(g.abs()).max(1.0),
                (None, None) => true,
                _ => false,
            };
            if !same {
                return Err(format!("{} ({:?}) at {key:?}: polars {w:?}, engine {g:?}", a.alias, a.func));
            }
        }
    }
    Ok(())
}

/// The engine's answer to one job, or `None` when the engine trials are
/// skipped.
fn answer(engine: Engine, id: &str) -> Result<Option<&'static JobResult>, Failed> {
    if engine_skipped() {
        return Ok(None);
    }
    let results = engine_results(engine).as_ref().map_err(|e| e.clone())?;
    let job = &results[id];
    match &job.error {
        Some(e) => Err(format!("{id}: {} failed: {e}", engine.title()).into()),
        None => Ok(Some(job)),
    }
}

/// `SELECT` of every tricky string as a literal, named by index.
fn literal_job(engine: Engine) -> Job {
    let d = sql::dialect::of(engine);
    let items: Vec<String> =
        TRICKY.iter().enumerate().map(|(i, s)| format!("{} AS {}", d.string(s), d.ident(&format!("v{i}")))).collect();
    Job {
        id: "literals".into(),
        tables: Vec::new(),
        session: Vec::new(),
        statements: vec![format!("SELECT {}", items.join(", "))],
    }
}

/// Every tricky string, written as a literal, reads back unchanged.
fn literals_read_back(engine: Engine) -> Result<(), Failed> {
    let Some(job) = answer(engine, "literals")? else { return Ok(()) };
    let row: Vec<Value> = job.results[0].rows[0].iter().map(value).collect();
    let want: Vec<Value> = TRICKY.iter().map(|s| Value::Text(s.to_string())).collect();
    assert_eq!(row, want);
    Ok(())
}

/// The statements of every case, every window and the tricky literals,
/// parsed by sqlglot for the dialect, with every string literal read back.
fn parsed_by_sqlglot(engine: Engine) -> Result<(), Failed> {
    if engine_skipped() {
        return Ok(());
    }
    let d = sql::dialect::of(engine);
    let mut statements = Vec::new();
    for case in runnable_cases() {
        for (label, plan) in plans(&case) {
            match sql::statements(&plan, Some(engine), &Default::default()) {
                Ok(s) => {
                    for s in s {
                        let strings = filter_strings(&plan.queries[s.query]);
                        statements.push(serde_json::json!({"id": format!("{} | {label} | query {}", case.name, s.query), "sql": s.sql, "strings": strings}));
                        for set in s.session {
                            statements.push(serde_json::json!({"id": "session", "sql": set, "strings": []}));
                        }
                    }
                }
                // An aggregate with no exact form there (E804 at check time).
                Err((_, sql::SqlError::NotExact { .. })) => {}
                Err((q, e)) => return Err(format!("{} | {label} | query {q}: {e}", case.name).into()),
            }
        }
    }
    for s in TRICKY {
        statements.push(serde_json::json!({"id": format!("literal {s:?}"), "sql": format!("SELECT {}", d.string(s)), "strings": [s]}));
    }
    let dialect = match engine {
        Engine::Bigquery => "bigquery",
        Engine::Snowflake => "snowflake",
        Engine::Spark => "spark",
        _ => "trino",
    };
    let out = python("sqlglot_check.py", &serde_json::json!({"dialect": dialect, "statements": statements}))?;
    let failures: Vec<String> =
        out["failures"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
    assert!(out["parsed"].as_u64().unwrap() > 50, "parsed {}", out["parsed"]);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    Ok(())
}

/// The text constants of a query's filters.
fn filter_strings(q: &kpic::ir::AggQuery) -> Vec<String> {
    fn walk(p: &kpic::ir::Pred, out: &mut Vec<String>) {
        use kpic::ir::{Operand, Pred};
        use kpic::vocab::Constant;
        let mut constant = |c: &Constant| {
            if let Constant::Text(t) = c {
                out.push(t.clone());
            }
        };
        match p {
            Pred::And(a, b) | Pred::Or(a, b) => {
                walk(a, out);
                walk(b, out);
            }
            Pred::Not(a) => walk(a, out),
            Pred::Compare { lhs, rhs, .. } => {
                for o in [lhs, rhs] {
                    if let Operand::Constant(c) = o {
                        constant(c);
                    }
                }
            }
            Pred::InList { items, .. } => items.iter().for_each(constant),
            Pred::InRange { low, high, .. } => {
                constant(low);
                constant(high);
            }
            Pred::IsNull { .. } | Pred::Const(_) => {}
        }
    }
    let mut out = Vec::new();
    for a in &q.aggs {
        if let Some(p) = &a.filter {
            walk(p, &mut out);
        }
    }
    out
}

/// A sum is taken as stored where the engine says how it stores the column
/// and its `SUM` of that type is exact and fails on overflow: integers on
/// DuckDB and PostgreSQL, decimals of at most 9 places on DuckDB,
/// PostgreSQL and Spark (whose integer sums overflow at 2^63). Everything
/// else, and everything when the storage is not known, is cast to a
/// 38-digit decimal first.
fn sums_cast_where_needed() -> Result<(), Failed> {
    use kpic::vocab::AggFn;
    use sql::Stored;
    let case = sql_cases().into_iter().find(|c| c.name == "aggregates").expect("the aggregates case");
    let (_, plan) = plans(&case).remove(0);
    let scan_of = |q: &kpic::ir::AggQuery| &plan.scans[q.scan];
    let storages: [(&str, Option<Stored>, Option<Stored>); 4] = [
        ("as declared", Some(Stored::Integer), Some(Stored::Decimal { scale: 2 })),
        ("ten places", Some(Stored::Integer), Some(Stored::Decimal { scale: 10 })),
        ("floats", None, Some(Stored::Other)),
        ("not asked", None, None),
    ];
    for engine in Engine::ALL {
        let d = sql::dialect::of(engine);
        for (label, units, amount) in storages {
            let mut storage = sql::Storage::new();
            storage.extend(units.map(|s| ("units".to_string(), s)));
            storage.extend(amount.map(|s| ("amount".to_string(), s)));
            let text: String = plan
                .queries
                .iter()
                .map(|q| {
                    // Without the percentiles, which some engines have no exact form of.
                    let mut q = q.clone();
                    q.aggs.retain(|a| !matches!(a.func, AggFn::Median | AggFn::Percentile));
                    let table = kpic::vocab::TablePath(vec!["orders".into()]);
                    sql::statement(d, scan_of(&q), &q, &table, "UTC", &storage).unwrap()
                })
                .collect();
            let plain = |c: &str| text.contains(&format!("SUM({})", d.column(c)));
            let cast =
                |c: &str| text.contains(&format!("SUM({})", d.decimal(&d.column(c), if c == "units" { 0 } else { 9 })));
            let ints = matches!(engine, Engine::Duckdb | Engine::Postgres) && units.is_some();
            let decimals =
                matches!(engine, Engine::Duckdb | Engine::Postgres | Engine::Spark) && label == "as declared";
            for (column, as_stored) in [("units", ints), ("amount", decimals)] {
                assert_eq!(
                    (plain(column), cast(column)),
                    (as_stored, !as_stored),
                    "{engine:?}, {label}: `{column}` should be summed {}:\n{text}",
                    if as_stored { "as stored" } else { "after a cast" }
                );
            }
        }
    }
    Ok(())
}

/// The zones case with its times stored as instants in UTC, cut into periods
/// in a connection's time zone of Europe/Moscow (UTC+3).
fn zone_job(engine: Engine) -> Job {
    let case = sql_cases().into_iter().find(|c| c.name == "zones").expect("the zones case");
    let (_, plan) = plans(&case).remove(0);
    let mut tables = tables(&plan);
    for t in &mut tables {
        for (i, (_, kind)) in t.columns.iter_mut().enumerate() {
            if *kind == "datetime" {
                *kind = "datetime_tz";
                for row in &mut t.rows {
                    row[i] = row[i].as_ref().map(|v| format!("{v}+00:00"));
                }
            }
        }
    }
    let d = sql::dialect::of(engine);
    let statements = plan.queries.iter().map(|q| {
        let scan = &plan.scans[q.scan];
        let table = kpic::vocab::TablePath(vec![scan.name.clone()]);
        sql::statement(d, scan, q, &table, "Europe/Moscow", &Default::default()).unwrap()
    });
    Job { id: "zone".into(), tables, session: d.session("Europe/Moscow"), statements: statements.collect() }
}

/// Monthly counts and daily distinct users of the zones case in Moscow
/// time, computed by hand: 2025-01-01 00:30Z is 03:30 on January 1,
/// 2025-03-31 20:59:59Z is 23:59:59 on March 31, and 21:00Z and 21:30Z are
/// past midnight on April 1.
fn zone_aware_times(engine: Engine) -> Result<(), Failed> {
    let Some(job) = answer(engine, "zone")? else { return Ok(()) };
    let mut got: Vec<(String, String)> = Vec::new();
    for r in &job.results {
        for row in &r.rows {
            let cells: Vec<String> = row.iter().map(|c| format!("{:?}", value(c))).collect();
            got.push((cells[0].clone(), cells[1..].join(" ")));
        }
    }
    got.sort();
    let want = [
        ("Date(2025-01-01)", "Int(1)"),
        ("Date(2025-01-01)", "Int(1)"),
        ("Date(2025-03-01)", "Int(1)"),
        ("Date(2025-03-31)", "Int(1)"),
        ("Date(2025-04-01)", "Int(2)"),
        ("Date(2025-04-01)", "Int(2)"),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(got, want, "periods in Moscow time on {}", engine.title());
    Ok(())
}
