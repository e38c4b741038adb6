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

/// An ADBC driver library of .ci/setup's, or of `KPIC_ADBC_DRIVER_PATH`.
pub fn adbc_library(file: &str) -> Result<PathBuf, String> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("KPIC_ADBC_DRIVER_PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cache/kpic/adbc/lib"));
    }
    dirs.iter()
        .map(|d| d.join(file))
        .find(|p| p.exists())
        .ok_or_else(|| format!("no {file} in {dirs:?}: run .ci/setup"))
}

/// A Spark Connect server in `local-cluster[2,1,1024]` mode (a master, a
/// worker and two executor JVMs), from the Spark of the PyPI `pyspark`
/// source distribution that `.ci/setup` unpacks, every address on loopback.
/// Dropping it stops the process group it was started in, and only that.
pub struct Spark {
    server: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Spark {
    fn home() -> Result<PathBuf, String> {
        let home = match std::env::var_os("KPIC_SPARK_HOME") {
            Some(h) => PathBuf::from(h),
            None => Path::new(&std::env::var_os("HOME").ok_or("no HOME")?).join(".cache/kpic/spark/pyspark-4.3.0/deps"),
        };
        if home.join("sbin/start-connect-server.sh").exists() {
            Ok(home)
        } else {
            Err(format!("no Spark in {}: run .ci/setup", home.display()))
        }
    }

    pub fn start() -> Result<Spark, String> {
        use std::os::unix::process::CommandExt;
        let home = Spark::home()?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let log = std::fs::File::create(dir.path().join("server.log")).map_err(|e| e.to_string())?;
        let server = Command::new(home.join("sbin/start-connect-server.sh"))
            .args(["--master", "local-cluster[2,1,1024]"])
            .args(["--conf", "spark.connect.grpc.binding.address=127.0.0.1"])
            .args(["--conf", &format!("spark.connect.grpc.binding.port={port}")])
            .args(["--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1"])
            .args(["--conf", "spark.ui.enabled=false", "--conf", "spark.sql.session.timeZone=UTC"])
            .args(["--conf", &format!("spark.sql.warehouse.dir={}", dir.path().join("warehouse").display())])
            .env("SPARK_HOME", &home)
            .env("SPARK_LOCAL_IP", "127.0.0.1")
            .env("SPARK_NO_DAEMONIZE", "1")
            .env("SPARK_LOG_DIR", dir.path())
            .env("SPARK_PID_DIR", dir.path())
            .current_dir(dir.path())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("Spark did not start: {e}"))?;
        let spark = Spark { server, port, dir };
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if start.elapsed() > std::time::Duration::from_secs(180) {
                let log = std::fs::read_to_string(spark.dir.path().join("server.log")).unwrap_or_default();
                return Err(format!("Spark Connect did not open port {port} in 3 minutes:\n{log}"));
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
        // The port opens before the gRPC service answers ("error reading
        // server preface"): ready is when a statement runs.
        let mut last = String::new();
        while start.elapsed() < std::time::Duration::from_secs(180) {
            match spark.statements(&["SELECT 1"]) {
                Ok(()) => return Ok(spark),
                Err(e) => last = e,
            }
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        Err(format!("Spark Connect did not answer in 3 minutes: {last}"))
    }

    /// Run statements in one ADBC connection.
    pub fn statements(&self, sql: &[&str]) -> Result<(), String> {
        use adbc_core::options::{AdbcVersion, OptionDatabase, OptionValue};
        use adbc_core::{Connection as _, Database as _, Driver as _, Statement as _, LOAD_FLAG_DEFAULT};
        let library = adbc_library("libadbc_driver_spark.so")?;
        let fail = |e: adbc_core::error::Error| e.message;
        let mut driver = adbc_driver_manager::ManagedDriver::load_from_name(
            &library,
            None,
            AdbcVersion::V110,
            LOAD_FLAG_DEFAULT,
            None,
        )
        .map_err(fail)?;
        let database =
            driver.new_database_with_opts([(OptionDatabase::Uri, OptionValue::String(self.uri()))]).map_err(fail)?;
        let mut connection = database.new_connection().map_err(fail)?;
        for q in sql {
            let mut s = connection.new_statement().map_err(fail)?;
            s.set_sql_query(q).map_err(fail)?;
            let reader = s.execute().map_err(|e| format!("{}: {q}", e.message))?;
            reader.for_each(drop);
        }
        Ok(())
    }

    pub fn uri(&self) -> String {
        format!("sc://127.0.0.1:{}", self.port)
    }

    /// Every schema's tables, as databases: the columns written to a CSV
    /// file and declared over it with their types.
    pub fn load(&self, schemas: &[(String, Vec<JobTable>)]) -> Result<(), String> {
        let mut sql = Vec::new();
        let quote = |s: &str| format!("`{}`", s.replace('`', "``"));
        for (schema, tables) in schemas {
            sql.push(format!("CREATE DATABASE IF NOT EXISTS {schema}"));
            for t in tables {
                let path = self.dir.path().join(format!("{schema}_{}.csv", t.name));
                let mut w =
                    csv::WriterBuilder::new().quote_style(csv::QuoteStyle::NonNumeric).from_path(&path).unwrap();
                w.write_record(t.columns.iter().map(|(n, _)| n)).unwrap();
                for row in &t.rows {
                    w.write_record(row.iter().map(|c| c.as_deref().unwrap_or(""))).unwrap();
                }
                w.flush().unwrap();
                let columns: Vec<String> = t
                    .columns
                    .iter()
                    .map(|(n, k)| {
                        let ty = match *k {
                            "int" => "BIGINT",
                            "decimal" => "DECIMAL(38, 9)",
                            "float" | "percent" | "duration" => "DOUBLE",
                            "bool" => "BOOLEAN",
                            "date" => "DATE",
                            "datetime" => "TIMESTAMP_NTZ",
                            _ => "STRING",
                        };
                        format!("{} {ty}", quote(n))
                    })
                    .collect();
                sql.push(format!(
                    "CREATE TABLE {schema}.{} ({}) USING csv OPTIONS (path '{}', header 'true', mode 'FAILFAST', escape '\"', timestampNTZFormat 'yyyy-MM-dd HH:mm:ss[.SSSSSS]', dateFormat 'yyyy-MM-dd')",
                    quote(&t.name),
                    columns.join(", "),
                    path.display()
                ));
            }
        }
        self.statements(&sql.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

impl Drop for Spark {
    fn drop(&mut self) {
        // The server's process group: the script, the driver JVM and the
        // executor JVMs it started.
        let _ = Command::new("kill").args(["-TERM", "--", &format!("-{}", self.server.id())]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while self.server.try_wait().ok().flatten().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.server.id())]).status();
        let _ = self.server.wait();
    }
}
