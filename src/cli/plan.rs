//! `kpic plan`: how each query runs, on which backend: the optimized polars
//! plan of a file source, the SQL statement of a table source; with `--sql`,
//! the SQL alone.

use super::emit::DiagFormat;
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::backend::sql;
use crate::ir::{Location, Plan};
use crate::vocab::Engine;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The spec file.
    spec: PathBuf,
    /// Only these KPIs (repeatable).
    #[arg(long = "kpi")]
    kpis: Vec<String>,
    /// Read a source from another file: `--data signups=other.parquet` (repeatable).
    #[arg(long = "data", value_parser = super::parse_data)]
    data: Vec<(String, PathBuf)>,
    /// Read a source from a warehouse table: `--table orders=dwh:sales.orders` (repeatable).
    #[arg(long = "table", value_parser = super::parse_table)]
    tables: Vec<crate::TableOverride>,
    #[command(flatten)]
    periods: super::eval::Periods,
    /// Print only the SQL statements: of table sources, or with `--dialect`
    /// of every source, a file source read as a table named after it.
    #[arg(long)]
    sql: bool,
    /// Write the SQL in this engine's dialect: duckdb, postgres, spark,
    /// clickhouse, snowflake, bigquery or trino.
    #[arg(long, value_parser = parse_engine, requires = "sql")]
    dialect: Option<Engine>,
    /// Ask each table's engine how it stores the columns (no rows are read),
    /// and write the statements exactly as `kpic eval` sends them: a sum of
    /// integers or decimals the engine sums exactly is not cast.
    #[arg(long)]
    connect: bool,
    /// With `--sql`: text, or JSON (each statement with its query, source,
    /// engine, connection and session settings).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// How to print errors in the spec or the data.
    #[arg(long, value_enum, default_value = "human")]
    error_format: DiagFormat,
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

fn parse_engine(s: &str) -> Result<Engine, String> {
    Engine::parse(s).ok_or_else(|| format!("unknown engine `{s}`; engines are {}", Engine::names()))
}

pub fn run(args: Args) -> u8 {
    let checked = match super::load_checked(&args.spec, args.error_format) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let window = match args.periods.window() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let selection = crate::Selection {
        kpis: args.kpis.clone(),
        data: args.data.clone(),
        tables: args.tables.clone(),
        window,
        history: 0,
    };
    let plan = match crate::lower(&checked, &selection) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let storage = if args.connect {
        match stored(&plan) {
            Ok(s) => s,
            Err(problems) => {
                let pairs: Vec<_> = problems.into_iter().map(|d| (d, &checked.sources)).collect();
                super::emit::diagnostics(args.error_format, &pairs, checked.sources.files().count());
                return EXIT_ERRORS;
            }
        }
    } else {
        std::collections::HashMap::new()
    };
    let statements = match sql::statements(&plan, args.dialect, &storage) {
        Ok(s) => s,
        Err((qi, e)) => {
            eprintln!("error: query {qi} ({}): {e}", plan.scans[plan.queries[qi].scan].name);
            return EXIT_ERRORS;
        }
    };
    if args.sql {
        return print_sql(&plan, &statements, args.format);
    }
    for (qi, q) in plan.queries.iter().enumerate() {
        let scan = &plan.scans[q.scan];
        outln!("== query {qi}: {}", heading(&plan, qi));
        match crate::backend::polars::SourceFile::of(scan) {
            Some(file) => {
                outln!("runs on polars, reading {}", scan.location);
                match crate::backend::polars::explain(&file, q) {
                    Ok(text) => outln!("{text}\n"),
                    Err(d) => {
                        super::emit::one(args.error_format, &d, &checked.sources);
                        return EXIT_ERRORS;
                    }
                }
            }
            None => {
                let s = statements.iter().find(|s| s.query == qi).expect("every table query has its statement");
                let table = match &scan.location {
                    Location::Table { table, .. } => table.to_string(),
                    Location::File { .. } => scan.name.clone(),
                };
                outln!(
                    "runs on {} through connection {}, reading table {table}",
                    s.engine,
                    s.connection.as_deref().unwrap_or("")
                );
                outln!("{};\n", s.sql);
            }
        }
    }
    EXIT_OK
}

/// How the engines store the columns of the plan's table sources, by scan.
#[cfg(feature = "warehouse")]
fn stored(plan: &Plan) -> Result<std::collections::HashMap<usize, sql::Storage>, Vec<crate::diagnostics::Diagnostic>> {
    let mut sessions = sql::Sessions::default();
    let mut out = std::collections::HashMap::new();
    let mut problems = Vec::new();
    for (si, scan) in plan.scans.iter().enumerate() {
        if !matches!(scan.location, Location::Table { .. }) {
            continue;
        }
        match sql::stored_columns(scan, &mut sessions) {
            Ok(storage) => {
                out.insert(si, storage);
            }
            Err(found) => problems.extend(found.iter().map(|p| p.diagnostic(scan))),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(not(feature = "warehouse"))]
fn stored(plan: &Plan) -> Result<std::collections::HashMap<usize, sql::Storage>, Vec<crate::diagnostics::Diagnostic>> {
    let tables = plan.scans.iter().filter(|s| matches!(s.location, Location::Table { .. }));
    let problems: Vec<_> = tables.map(|s| crate::backend::DataError::NoConnector.diagnostic(s)).collect();
    if problems.is_empty() {
        Ok(std::collections::HashMap::new())
    } else {
        Err(problems)
    }
}

/// `orders per month by manager (3 aggregates) for revenue, orders`
fn heading(plan: &Plan, qi: usize) -> String {
    let q = &plan.queries[qi];
    let mut users: Vec<String> = plan.kpis.iter().filter(|k| k.queries.contains(&qi)).map(|k| k.name.clone()).collect();
    for level in plan.levels.iter().filter(|l| l.plan.queries.contains(&qi)) {
        users.push(format!("{} by {}", level.plan.name, level.dims.join(", ")));
    }
    let by = if q.keys.is_empty() { String::new() } else { format!(" by {}", q.keys.join(", ")) };
    let name = &plan.scans[q.scan].name;
    format!("{name} per {}{by} ({} aggregates) for {}", q.grain.as_str(), q.aggs.len(), users.join(", "))
}

fn print_sql(plan: &Plan, statements: &[sql::Statement], format: Format) -> u8 {
    if format == Format::Json {
        outln!("{}", serde_json::to_string_pretty(statements).expect("statements serialize"));
        return EXIT_OK;
    }
    if statements.is_empty() {
        let files = plan.scans.iter().all(|s| matches!(s.location, Location::File { .. }));
        if files {
            eprintln!(
                "no source reads a table; `--dialect ENGINE` writes the SQL of file sources as tables named after them"
            );
        }
        return EXIT_OK;
    }
    let mut session_of: Option<(Engine, Option<&str>)> = None;
    for s in statements {
        let this = (s.engine, s.connection.as_deref());
        if session_of != Some(this) {
            let on = s.connection.as_deref().map_or(String::new(), |c| format!(", connection {c}"));
            outln!("-- {}{on}", s.engine);
            for setting in &s.session {
                outln!("{setting};");
            }
            outln!("");
            session_of = Some(this);
        }
        outln!("-- query {}: {}", s.query, heading(plan, s.query));
        outln!("{};\n", s.sql);
    }
    EXIT_OK
}
