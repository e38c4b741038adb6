//! `kpic eval` on real engines through ADBC, proven equal to the polars
//! backend.
//!
//! Every example spec, every evaluation fixture whose data is CSV, and the
//! SQL cases are loaded into each engine with the declared types (DuckDB: a
//! database file read through `libduckdb.so`; PostgreSQL: a server this test
//! starts on loopback with password authentication, read through
//! `libadbc_driver_postgresql.so`; Spark 4.3: a Spark Connect server in
//! `local-cluster` mode with two executor JVMs, on loopback, read through
//! `libadbc_driver_spark.so`, its tables CSV files with declared types). Each is
//! then evaluated twice by the binary, on its files and with every source
//! pointed at its table (`--table`), and the JSON documents must be equal:
//! byte for byte where every aggregate is exact (counts, exact sums, min,
//! max, distinct counts), and within 1e-9 relative where a spec sums floats
//! or takes percentiles, which engines compute in their own order; statuses
//! and every text alike.
//!
//! The drivers and Spark come from `.ci/setup` (`~/.cache/kpic/adbc/lib` or
//! the directories of `KPIC_ADBC_DRIVER_PATH`; `~/.cache/kpic/spark` or
//! `KPIC_SPARK_HOME`). `KPIC_SKIP_WAREHOUSE=1` skips the trials on a machine
//! without them, never in CI. The servers are stopped when the trials end.

mod common;

use common::engines::{python, tables, JobTable, Postgres, Spark, PASSWORD};
use kpic::ir::{Location, Plan};
use kpic::vocab::FileFormat;
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Engine {
    Duckdb,
    Postgres,
    Spark,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Duckdb => "duckdb",
            Engine::Postgres => "postgres",
            Engine::Spark => "spark",
        }
    }

    fn library(self) -> &'static str {
        match self {
            Engine::Duckdb => "libduckdb.so",
            Engine::Postgres => "libadbc_driver_postgresql.so",
            Engine::Spark => "libadbc_driver_spark.so",
        }
    }
}

#[derive(Clone)]
struct Case {
    name: String,
    /// The directory copied for each run, and the spec in it.
    dir: PathBuf,
    spec: String,
}

fn main() {
    let cases = cases();
    assert!(cases.len() >= 25, "only {} cases", cases.len());
    let mut trials = Vec::new();
    for engine in [Engine::Duckdb, Engine::Postgres, Engine::Spark] {
        for (i, case) in cases.iter().enumerate() {
            let case = case.clone();
            trials
                .push(Trial::test(format!("{}::{}", engine.name(), case.name), move || same_numbers(engine, i, &case)));
        }
    }
    for engine in [Engine::Duckdb, Engine::Postgres, Engine::Spark] {
        trials.push(Trial::test(format!("{}::money_stored_as_floats_is_summed_exactly", engine.name()), move || {
            money_stored_as_floats(engine)
        }));
        trials.push(Trial::test(format!("{}::column_names_in_another_case", engine.name()), move || {
            column_names_in_another_case(engine)
        }));
    }
    trials.push(Trial::test("errors::table_missing", table_missing));
    trials.push(Trial::test("cancel::at_the_timeout_and_on_ctrl_c", cancelled_on_the_engine));
    trials.push(Trial::test("check_data_compares_a_table_with_its_declaration", check_data_reads_the_schema));
    trials.push(Trial::test("errors::driver_missing", driver_missing));
    trials.push(Trial::test("errors::uri_variable_unset", uri_variable_unset));
    trials.push(Trial::test("errors::wrong_password_is_never_printed", wrong_password));
    let conclusion = libtest_mimic::run(&Arguments::from_args(), trials);
    if let Some(pg) = POSTGRES.get() {
        pg.lock().unwrap().take();
    }
    if let Some(spark) = SPARK.get() {
        spark.lock().unwrap().take();
    }
    if let Some(Ok(path)) = DUCKDB.get() {
        let _ = std::fs::remove_file(path);
    }
    conclusion.exit();
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The examples, the evaluation fixtures that read CSV and evaluate, and the
/// SQL cases.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kpi"))
        .collect();
    examples.sort();
    for spec in examples {
        let name = spec.file_stem().unwrap().to_string_lossy().into_owned();
        cases.push(Case {
            name: format!("examples_{name}"),
            dir: root().join("examples"),
            spec: format!("{name}.kpi"),
        });
    }
    for group in ["tests/fixtures/eval", "tests/fixtures/sql"] {
        let mut dirs: Vec<PathBuf> =
            std::fs::read_dir(root().join(group)).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
        dirs.sort();
        for dir in dirs {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            cases.push(Case { name, dir, spec: "spec.kpi".into() });
        }
    }
    cases.retain(|c| {
        let Some(plan) = plan(&c.dir.join(&c.spec)) else { return false };
        let csv = plan
            .scans
            .iter()
            .all(|s| matches!(&s.location, Location::File { format: FileFormat::Csv, path } if path.exists()));
        csv && evaluates(&c.dir.join(&c.spec), &plan)
    });
    cases
}

fn evaluates(spec: &Path, plan: &Plan) -> bool {
    let checked = kpic::check_spec(spec, &|p| std::fs::read(p)).unwrap();
    kpic::run_and_evaluate(&checked, plan, &kpic::eval::Window::default(), &kpic::eval::Quiet).is_ok()
}

fn plan(spec: &Path) -> Option<Plan> {
    let checked = kpic::check_spec(spec, &|p| std::fs::read(p)).ok()?;
    if checked.diagnostics.iter().any(|d| d.is_error()) {
        return None;
    }
    kpic::lower(&checked, &kpic::Selection::default()).ok()
}

/// Whether every aggregate of a plan is exact, so that engines must give the
/// polars backend's bits.
fn exact(plan: &Plan) -> bool {
    plan.queries.iter().all(|q| q.aggs.iter().all(|a| a.is_exact(&plan.scans[q.scan])))
}

fn skipped() -> bool {
    common::skipped("KPIC_SKIP_WAREHOUSE", "kpic eval on DuckDB, PostgreSQL and Spark through ADBC")
}

fn driver(file: &str) -> Result<PathBuf, String> {
    common::engines::adbc_library(file)
}

static POSTGRES: OnceLock<Mutex<Option<Postgres>>> = OnceLock::new();
static DUCKDB: OnceLock<Result<PathBuf, String>> = OnceLock::new();
static POSTGRES_LOADED: OnceLock<Result<(), String>> = OnceLock::new();

/// The tables every engine holds, by schema: each case's sources in
/// `c<index>`, and the float-money fixture's in `floats`, its money stored
/// as 64-bit floats rather than as declared.
fn schemas() -> Vec<(String, Vec<JobTable>)> {
    let mut out = Vec::new();
    for (i, case) in cases().iter().enumerate() {
        let plan = plan(&case.dir.join(&case.spec)).expect("a runnable case");
        out.push((format!("c{i}"), tables(&plan)));
    }
    let mut floats = tables(&plan(&float_money().dir.join("spec.kpi")).expect("the float-money fixture"));
    for t in &mut floats {
        for (_, kind) in &mut t.columns {
            if *kind == "decimal" {
                *kind = "float";
            }
        }
    }
    out.push(("floats".into(), floats));
    // The same table with its column names in capitals, as Snowflake stores
    // unquoted names: DuckDB and Spark resolve `amount` to `AMOUNT`;
    // PostgreSQL, whose quoted names keep their case, does not.
    let mut capitals = tables(&plan(&float_money().dir.join("spec.kpi")).expect("the float-money fixture"));
    for t in &mut capitals {
        for (name, _) in &mut t.columns {
            *name = name.to_uppercase();
        }
    }
    out.push(("capitals".into(), capitals));
    out
}

fn float_money() -> Case {
    Case {
        name: "float_money".into(),
        dir: root().join("tests/fixtures/warehouse/float_money"),
        spec: "spec.kpi".into(),
    }
}

/// Every schema's tables, loaded by tests/tools/sql_engine.py.
fn load(engine: Engine, where_: serde_json::Value) -> Result<(), String> {
    let schemas: Vec<serde_json::Value> =
        schemas().into_iter().map(|(schema, tables)| serde_json::json!({"schema": schema, "tables": tables})).collect();
    let mut doc = where_;
    doc["engine"] = engine.name().into();
    doc["schemas"] = schemas.into();
    python("sql_engine.py", &doc).map(|_| ())
}

/// The URI kpic reads from its environment variable, once the engine holds
/// every case's tables.
fn uri(engine: Engine) -> Result<String, String> {
    match engine {
        Engine::Duckdb => DUCKDB
            .get_or_init(|| {
                let path = std::env::temp_dir().join(format!("kpic-warehouse-{}.duckdb", std::process::id()));
                let _ = std::fs::remove_file(&path);
                load(engine, serde_json::json!({"path": path}))?;
                Ok(path)
            })
            .clone()
            .map(|p| p.display().to_string()),
        Engine::Postgres => {
            let pg = POSTGRES.get_or_init(|| Mutex::new(None));
            let mut pg = pg.lock().unwrap();
            if pg.is_none() {
                *pg = Some(Postgres::start().map_err(|e| format!("PostgreSQL did not start: {e}"))?);
            }
            let server = pg.as_ref().unwrap();
            // And a view that takes minutes to aggregate, for cancelling.
            let slow = "CREATE SCHEMA slow; CREATE VIEW slow.deals AS SELECT DATE '2025-01-01' + (g % 365) AS closed_at, \
                        'm' || (g % 10) AS manager, CAST(g AS NUMERIC(38, 9)) AS amount FROM generate_series(1, 1000000000) g";
            let doc = serde_json::json!({"dsn": server.dsn, "sql": [slow]});
            POSTGRES_LOADED.get_or_init(|| load(engine, doc)).clone()?;
            Ok(server.uri(PASSWORD))
        }
        Engine::Spark => {
            let spark = SPARK.get_or_init(|| Mutex::new(None));
            let mut spark = spark.lock().unwrap();
            if spark.is_none() {
                let server = Spark::start()?;
                server.load(&schemas())?;
                *spark = Some(server);
            }
            Ok(spark.as_ref().unwrap().uri())
        }
    }
}

static SPARK: OnceLock<Mutex<Option<Spark>>> = OnceLock::new();

/// A copy of the case's directory with a connection `wh` to the engine in
/// its kpic.toml, through its driver or `library`.
fn project(engine: Engine, case: &Case, library: Option<&str>) -> Result<tempfile::TempDir, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    copy_dir(&case.dir, dir.path());
    let library = match library {
        Some(l) => PathBuf::from(l),
        None => driver(engine.library())?,
    };
    let toml = dir.path().join("kpic.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap_or_default();
    text.push_str(&format!(
        "\n[connections.wh]\nengine = \"{}\"\ndriver = \"{}\"\nuri_env = \"KPIC_TEST_WAREHOUSE_URI\"\n",
        engine.name(),
        library.display()
    ));
    std::fs::write(&toml, text).unwrap();
    Ok(dir)
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn kpic(dir: &Path, args: &[String], uri: &str) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("KPIC_TEST_WAREHOUSE_URI", uri)
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn same_numbers(engine: Engine, index: usize, case: &Case) -> Result<(), Failed> {
    if skipped() {
        return Ok(());
    }
    let uri = uri(engine)?;
    let dir = project(engine, case, None)?;
    let plan = plan(&case.dir.join(&case.spec)).unwrap();
    let eval = vec!["eval".to_string(), case.spec.clone(), "--format".into(), "json".into(), "-q".into()];
    let files = kpic(dir.path(), &eval, &uri);
    assert_eq!(files.code, Some(0), "{}", files.stderr);
    let mut on_tables = eval.clone();
    for scan in &plan.scans {
        on_tables.push("--table".into());
        on_tables.push(format!("{}=wh:c{index}.{}", scan.name, scan.name));
    }
    let tables = kpic(dir.path(), &on_tables, &uri);
    if tables.code != Some(0) {
        return Err(format!("on {}: exit {:?}\n{}", engine.name(), tables.code, tables.stderr).into());
    }
    if exact(&plan) {
        if files.stdout != tables.stdout {
            let (a, b) = (json(&files.stdout), json(&tables.stdout));
            return Err(format!("not the same bits:\n{}", differences(&a, &b, "", 0.0).join("\n")).into());
        }
    } else {
        let found = differences(&json(&files.stdout), &json(&tables.stdout), "", 1e-9);
        if !found.is_empty() {
            return Err(format!("beyond 1e-9:\n{}", found.join("\n")).into());
        }
    }
    Ok(())
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("kpic prints JSON")
}

/// Where two documents differ: numbers beyond `tolerance` relative (0 for
/// the same bits), anything else unequal.
fn differences(a: &serde_json::Value, b: &serde_json::Value, at: &str, tolerance: f64) -> Vec<String> {
    use serde_json::Value as J;
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            let mut out = Vec::new();
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => out.extend(differences(v, w, &format!("{at}.{k}"), tolerance)),
                    None => out.push(format!("{at}.{k}: only on files")),
                }
            }
            out.extend(y.keys().filter(|k| !x.contains_key(*k)).map(|k| format!("{at}.{k}: only on tables")));
            out
        }
        (J::Array(x), J::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .flat_map(|(i, (v, w))| differences(v, w, &format!("{at}[{i}]"), tolerance))
            .collect(),
        (J::Number(x), J::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let same = x.to_bits() == y.to_bits() || (x - y).abs() <= tolerance * x.abs().max(y.abs());
            if same {
                Vec::new()
            } else {
                vec![format!("{at}: files {x:?}, tables {y:?}")]
            }
        }
        _ if a == b => Vec::new(),
        _ => vec![format!("{at}: files {a}, tables {b}")],
    }
}

/// The float-money fixture evaluated on its file and on `table` (in schema
/// `floats` or `capitals`): the project directory and the two runs.
fn float_money_on(engine: Engine, table: &str) -> Result<(tempfile::TempDir, String, Run, Run), Failed> {
    let uri = uri(engine)?;
    let dir = project(engine, &float_money(), None)?;
    let eval: Vec<String> = ["eval", "spec.kpi", "--format", "json", "-q"].map(String::from).to_vec();
    let files = kpic(dir.path(), &eval, &uri);
    let mut on_table = eval.clone();
    on_table.extend(["--table".to_string(), format!("payments=wh:{table}")]);
    let table = kpic(dir.path(), &on_table, &uri);
    Ok((dir, uri, files, table))
}

/// Money stored as DOUBLE is cast to a decimal before it is summed (the
/// engine says how it stores the column): the same bits as the file, and
/// the sums the fixture computes by hand, 1 RUB each, which meet the target.
fn money_stored_as_floats(engine: Engine) -> Result<(), Failed> {
    if skipped() {
        return Ok(());
    }
    let (dir, uri, files, table) = float_money_on(engine, "floats.payments")?;
    assert_eq!(table.code, Some(0), "{}", table.stderr);
    assert_eq!(files.stdout, table.stdout, "not the bits of the file");
    let doc = json(&table.stdout);
    let rows: Vec<(String, serde_json::Value, String)> = doc["kpis"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["entity"][0].as_str().unwrap().to_string(), r["actual"].clone(), r["status"].to_string()))
        .collect();
    // The statement eval sends casts the floats, and says so.
    let plan = ["plan", "spec.kpi", "--sql", "--connect", "--table", "payments=wh:floats.payments"].map(String::from);
    let printed = kpic(dir.path(), &plan, &uri);
    assert_eq!(printed.code, Some(0), "{}", printed.stderr);
    assert!(printed.stdout.contains("(38, 9))"), "{}", printed.stdout);
    let met = |who: &str| (who.to_string(), serde_json::json!(1.0), "\"met\"".to_string());
    let want =
        vec![met("Anna"), ("Boris".into(), serde_json::Value::Null, "\"no_data\"".into()), met("Anna"), met("Boris")];
    assert_eq!(rows, want);
    Ok(())
}

/// A table whose column names differ from the declared ones in case only:
/// read on the engines that resolve names whatever their case, a missing
/// column (E602) on PostgreSQL.
fn column_names_in_another_case(engine: Engine) -> Result<(), Failed> {
    if skipped() {
        return Ok(());
    }
    let (_dir, _, files, table) = float_money_on(engine, "capitals.payments")?;
    if engine == Engine::Postgres {
        assert_eq!(table.code, Some(1), "{}", table.stderr);
        assert!(table.stderr.contains("E602") && table.stderr.contains("AMOUNT"), "{}", table.stderr);
    } else {
        assert_eq!(table.code, Some(0), "{}", table.stderr);
        assert_eq!(files.stdout, table.stdout, "not the bits of the file");
    }
    Ok(())
}

/// The first runnable evaluation fixture, for the error cases.
fn some_case() -> (usize, Case) {
    cases().into_iter().enumerate().find(|(_, c)| c.name == "targets").expect("the targets fixture")
}

fn eval_on_table(engine: Engine, table: &str, library: Option<&str>, uri: &str) -> Result<Run, Failed> {
    let (_, case) = some_case();
    let dir = project(engine, &case, library)?;
    let plan = plan(&case.dir.join(&case.spec)).unwrap();
    let scan = &plan.scans[0].name;
    let args: Vec<String> =
        ["eval", "spec.kpi", "--table", &format!("{scan}={table}")].iter().map(|s| s.to_string()).collect();
    Ok(kpic(dir.path(), &args, uri))
}

fn table_missing() -> Result<(), Failed> {
    if skipped() {
        return Ok(());
    }
    for engine in [Engine::Duckdb, Engine::Postgres] {
        let run = eval_on_table(engine, "wh:nowhere.orders", None, &uri(engine)?)?;
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(run.stderr.contains("E809") && run.stderr.contains("nowhere.orders"), "{}", run.stderr);
    }
    Ok(())
}

fn driver_missing() -> Result<(), Failed> {
    if skipped() {
        return Ok(());
    }
    let run = eval_on_table(Engine::Duckdb, "wh:c0.sales", Some("/nowhere/libadbc.so"), "x")?;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("E806") && run.stderr.contains("/nowhere/libadbc.so"), "{}", run.stderr);
    Ok(())
}

fn uri_variable_unset() -> Result<(), Failed> {
    if skipped() {
        return Ok(());
    }
    let (index, case) = some_case();
    let dir = project(Engine::Duckdb, &case, None)?;
    let plan = plan(&case.dir.join(&case.spec)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(["eval", "spec.kpi", "--table", &format!("{0}=wh:c{index}.{0}", plan.scans[0].name)])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("KPIC_TEST_WAREHOUSE_URI")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("E807") && stderr.contains("$KPIC_TEST_WAREHOUSE_URI, which is not set"), "{stderr}");
    Ok(())
}

/// PostgreSQL refuses a wrong password (E808), and neither it nor the URI
/// appears in what kpic prints.
fn wrong_password() -> Result<(), Failed> {
    if skipped() {
        return Ok(());
    }
    let (index, case) = some_case();
    uri(Engine::Postgres)?;
    let wrong = {
        let pg = POSTGRES.get().unwrap().lock().unwrap();
        pg.as_ref().unwrap().uri("not-the-secret-Zq9")
    };
    let plan = plan(&case.dir.join(&case.spec)).unwrap();
    let run = eval_on_table(Engine::Postgres, &format!("wh:c{index}.{}", plan.scans[0].name), None, &wrong)?;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("E808"), "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-secret-Zq9") && !run.stdout.contains("not-the-secret-Zq9"), "{}", run.stderr);
    Ok(())
}

/// `kpic check --data` compares a table source's declared columns with the
/// engine's, without reading rows: a column that is not there (E602) and one
/// of another type (E605), on each engine; `kpic eval` stops at the first.
fn check_data_reads_the_schema() -> Result<(), Failed> {
    if skipped() {
        return Ok(());
    }
    let (index, case) = some_case();
    for engine in [Engine::Duckdb, Engine::Postgres, Engine::Spark] {
        let uri = uri(engine)?;
        let dir = project(engine, &case, None)?;
        let spec = format!(
            "source deals from table \"c{index}.deals\" in wh {{\n  time closed_at: date\n  manager: int\n  amount: money(RUB)\n  region: text\n}}\n\nkpi deals {{ metric count(deals) per month target >= 1 }}\n"
        );
        std::fs::write(dir.path().join("table.kpi"), spec).unwrap();
        let run = kpic(dir.path(), &["check".into(), "table.kpi".into(), "--data".into()], &uri);
        assert_eq!(run.code, Some(1), "{}: {}", engine.name(), run.stderr);
        assert!(run.stderr.contains("E602") && run.stderr.contains("`region`"), "{}: {}", engine.name(), run.stderr);
        assert!(
            run.stderr.contains("E605") && run.stderr.contains("`manager` is declared int"),
            "{}: {}",
            engine.name(),
            run.stderr
        );
        assert!(
            !run.stderr.contains("`amount`") && !run.stderr.contains("`closed_at`"),
            "{}: {}",
            engine.name(),
            run.stderr
        );
        // `kpic eval` asks the engine the same before it sends a statement.
        let run = kpic(dir.path(), &["eval".into(), "table.kpi".into()], &uri);
        assert_eq!(run.code, Some(1), "{}: {}", engine.name(), run.stderr);
        let said = "column `manager` is declared int but table";
        assert!(run.stderr.contains("E605") && run.stderr.contains(said), "{}: {}", engine.name(), run.stderr);
        assert!(run.stderr.contains("stores text"), "{}: {}", engine.name(), run.stderr);
    }
    Ok(())
}

/// A statement on a view that takes minutes is cancelled on PostgreSQL at the
/// connection's timeout (E810), and on Ctrl-C: kpic stops within seconds, and
/// the server runs the statement no longer.
fn cancelled_on_the_engine() -> Result<(), Failed> {
    if skipped() {
        return Ok(());
    }
    let (_, case) = some_case();
    let uri = uri(Engine::Postgres)?;
    let dir = project(Engine::Postgres, &case, None)?;
    let toml = dir.path().join("kpic.toml");
    let args = ["eval", "spec.kpi", "--table", "deals=wh:slow.deals", "-q"];
    // The timeout: one second.
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{text}timeout = 1\n")).unwrap();
    let start = std::time::Instant::now();
    let run = kpic(dir.path(), &args.map(String::from), &uri);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("E810") && run.stderr.contains("ran longer than 1 s"), "{}", run.stderr);
    assert!(start.elapsed() < std::time::Duration::from_secs(30), "took {:?}", start.elapsed());
    // Ctrl-C, with no timeout.
    std::fs::write(&toml, text).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("KPIC_TEST_WAREHOUSE_URI", &uri)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the statement runs on the server (kpic starts and
    // connects first; a busy machine takes longer).
    let waiting = std::time::Instant::now();
    while running_statements() == 0 {
        assert!(waiting.elapsed() < std::time::Duration::from_secs(60), "the statement never ran on the server");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let interrupted = std::time::Instant::now();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(interrupted.elapsed() < std::time::Duration::from_secs(20), "took {:?}", interrupted.elapsed());
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("E810") && stderr.contains("(Ctrl-C)"), "{stderr}");
    // kpic exited after the cancel; the server ends the statement within moments.
    let stopped = std::time::Instant::now();
    while running_statements() > 0 {
        assert!(stopped.elapsed() < std::time::Duration::from_secs(10), "the server still runs the statement");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    Ok(())
}

/// How many statements on the slow view the server is running.
fn running_statements() -> usize {
    let dsn = POSTGRES.get().unwrap().lock().unwrap().as_ref().unwrap().dsn.clone();
    let sql = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%slow%deals%' AND pid <> pg_backend_pid()";
    let out = python("sql_engine.py", &serde_json::json!({"engine": "postgres", "dsn": dsn, "jobs": [{"id": "q", "tables": [], "session": [], "statements": [sql]}]}))
        .unwrap();
    let cell = out["jobs"][0]["results"][0]["rows"][0][0].as_str().unwrap().to_string();
    cell.trim_start_matches("i:").parse().unwrap()
}
