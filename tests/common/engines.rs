//! Real engines for the tests of the SQL and the warehouse backend: a
//! PostgreSQL server started on loopback, sources as tables to load, and the
//! Python tools that load and query them (tests/tools/sql_engine.py).

use kpic::ir::Plan;
use kpic::vocab::ColType;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A cell of a column with a declared `format`, in ISO form.
fn iso(v: &str, c: &kpic::ir::ScanColumn) -> String {
    let Some(format) = &c.format else { return v.to_string() };
    match c.ty {
        ColType::Date => chrono::NaiveDate::parse_from_str(v, format)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|_| panic!("`{v}` is not {format}")),
        _ => chrono::NaiveDateTime::parse_from_str(v, format)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S%.f").to_string())
            .unwrap_or_else(|_| panic!("`{v}` is not {format}")),
    }
}

/// A source's table as tests/tools/sql_engine.py loads it: the declared
/// columns, each with the kind of engine type it is stored as, and the text
/// of each cell (`None` for an empty one), times in ISO form.
#[derive(serde::Serialize)]
pub struct JobTable {
    pub name: String,
    pub columns: Vec<(String, &'static str)>,
    pub rows: Vec<Vec<Option<String>>>,
}

pub fn kind(ty: &ColType) -> &'static str {
    match ty {
        ColType::Int => "int",
        ColType::Float => "float",
        ColType::Decimal | ColType::Money(_) => "decimal",
        ColType::Percent => "percent",
        ColType::Duration(_) => "duration",
        ColType::Text => "text",
        ColType::Bool => "bool",
        ColType::Date => "date",
        ColType::Datetime => "datetime",
    }
}

/// Each source of the plan as a table named after it, with the declared
/// columns of its CSV file; a date or time written in a declared `format` in
/// ISO form, as a warehouse stores it.
pub fn tables(plan: &Plan) -> Vec<JobTable> {
    plan.scans
        .iter()
        .map(|scan| {
            let kpic::ir::Location::File { path, .. } = &scan.location else { panic!("a file source") };
            let mut reader = csv::Reader::from_path(path).unwrap();
            let header: Vec<String> =
                reader.headers().unwrap().iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
            let at: Vec<usize> = scan
                .columns
                .iter()
                .map(|c| {
                    header
                        .iter()
                        .position(|h| *h == c.name)
                        .unwrap_or_else(|| panic!("{}: no {}", path.display(), c.name))
                })
                .collect();
            let rows = reader
                .records()
                .map(|r| {
                    let r = r.unwrap();
                    at.iter()
                        .zip(&scan.columns)
                        .map(|(i, c)| r.get(*i).filter(|v| !v.is_empty()).map(|v| iso(v, c)))
                        .collect()
                })
                .collect();
            JobTable {
                name: scan.name.clone(),
                columns: scan.columns.iter().map(|c| (c.name.clone(), kind(&c.ty))).collect(),
                rows,
            }
        })
        .collect()
}

/// The password of the test server's user `kpic`.
pub const PASSWORD: &str = "kpic-test-secret";

/// A PostgreSQL server of the machine's binaries, on loopback, stopped and
/// removed when dropped.
pub struct Postgres {
    data: PathBuf,
    pg_ctl: PathBuf,
    pub port: u16,
    /// libpq's key=value form.
    pub dsn: String,
}

/// A command as the `postgres` user when this runs as root (PostgreSQL
/// refuses to run as root).
fn as_postgres(program: &Path) -> Command {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

impl Postgres {
    /// A URI of the server, as kpic.toml's `uri_env` variable holds it.
    pub fn uri(&self, password: &str) -> String {
        format!("postgresql://kpic:{password}@127.0.0.1:{}/postgres", self.port)
    }

    /// initdb and pg_ctl of the machine's PostgreSQL, on a free port of
    /// 127.0.0.1, in a directory of its own.
    pub fn start() -> Result<Postgres, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| format!("no PostgreSQL in /usr/lib/postgresql: {e}"))?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max()
            .ok_or("no PostgreSQL binaries")?;
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let data = std::env::temp_dir().join(format!("kpic-test-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
        let _ = Command::new("chown").arg("postgres:").arg(&data).status();
        let run = |mut c: Command| -> Result<(), String> {
            let o = c.stdin(Stdio::null()).output().map_err(|e| e.to_string())?;
            if o.status.success() {
                Ok(())
            } else {
                Err(format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
            }
        };
        let mut initdb = as_postgres(&bin.join("initdb"));
        // Connections over TCP need the password, so that a wrong one is refused.
        let pwfile = data.join("password");
        std::fs::write(&pwfile, PASSWORD).map_err(|e| e.to_string())?;
        let _ = Command::new("chown").arg("postgres:").arg(&pwfile).status();
        initdb
            .args(["--auth-local=trust", "--auth-host=scram-sha-256", "-U", "kpic", "-E", "UTF8", "--locale=C"])
            .arg("--no-sync")
            .arg(format!("--pwfile={}", pwfile.display()))
            .arg("-D")
            .arg(data.join("db"));
        run(initdb)?;
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let pg_ctl = bin.join("pg_ctl");
        let mut start = as_postgres(&pg_ctl);
        start.arg("-D").arg(data.join("db")).arg("-l").arg(data.join("log")).args(["-w", "start", "-o"]).arg(format!(
            "-k {} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off -c full_page_writes=off",
            data.display()
        ));
        run(start)?;
        let dsn = format!("host=127.0.0.1 port={port} user=kpic password={PASSWORD} dbname=postgres");
        Ok(Postgres { data, pg_ctl, port, dsn })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ =
            as_postgres(&self.pg_ctl).arg("-D").arg(self.data.join("db")).args(["-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// Run a tool of tests/tools with a JSON document on standard input; its
/// JSON answer.
pub fn python(tool: &str, input: &serde_json::Value) -> Result<serde_json::Value, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools").join(tool);
    let mut child = Command::new("python3")
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let mut stdin = child.stdin.take().unwrap();
    let body = serde_json::to_vec(input).unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &body));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    writer.join().unwrap().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("{tool} failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{tool}: {e}"))
}
