//! Connections to warehouses through ADBC drivers, loaded at run time: the
//! driver kpic.toml names (a manifest name, a library name or a path), or the
//! engine's usual one. One code path for every engine: open, set the
//! session, run a statement with the connection's timeout, read Arrow.

use super::arrow::rows_of;
use super::Value;
use crate::backend::errors::WarehouseError;
use crate::vocab::{Connection, Engine};
use adbc_core::error::{Error as AdbcError, Status};
use adbc_core::options::{AdbcVersion, OptionConnection, OptionDatabase, OptionValue};
use adbc_core::{Connection as _, Database as _, Driver as _, Optionable, Statement as _, LOAD_FLAG_DEFAULT};
use adbc_driver_manager::{ManagedConnection, ManagedDatabase, ManagedDriver};
use std::time::Duration;

/// A statement's answer: column names and rows.
pub struct Answer {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// An open connection to one warehouse, with its session set up.
pub struct Session {
    // Declared before the database and the driver, so that it closes first.
    connection: ManagedConnection,
    _database: ManagedDatabase,
    timeout: Option<Duration>,
    /// Text that must never reach a message: the URI and its password.
    secrets: Vec<String>,
}

/// Ctrl-C while a statement runs cancels it on the engine (a warehouse
/// would otherwise finish a query nobody waits for); at any other time it
/// ends kpic as usual.
mod interrupt {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Once;

    static IN_STATEMENT: AtomicBool = AtomicBool::new(false);
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);
    static HANDLER: Once = Once::new();

    /// Until the returned guard drops, Ctrl-C is a request to cancel.
    pub fn during_statement() -> Guard {
        HANDLER.call_once(|| {
            // SAFETY: the handler only reads and stores atomics, or calls
            // `_exit`, all of which are async-signal-safe.
            let _ = unsafe {
                signal_hook::low_level::register(signal_hook::consts::SIGINT, || {
                    if IN_STATEMENT.load(Ordering::SeqCst) {
                        INTERRUPTED.store(true, Ordering::SeqCst);
                    } else {
                        signal_hook::low_level::exit(130);
                    }
                })
            };
        });
        IN_STATEMENT.store(true, Ordering::SeqCst);
        Guard
    }

    pub fn requested() -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }

    pub struct Guard;

    impl Drop for Guard {
        fn drop(&mut self) {
            IN_STATEMENT.store(false, Ordering::SeqCst);
        }
    }
}

/// The seconds a statement may run when kpic.toml does not say.
pub const DEFAULT_TIMEOUT: u64 = 3600;

/// The driver an engine is usually reached through, and its entry point when
/// it is not the one ADBC derives from the name.
fn usual_driver(engine: Engine) -> (&'static str, Option<&'static [u8]>) {
    match engine {
        Engine::Duckdb => ("duckdb", Some(b"duckdb_adbc_init")),
        Engine::Postgres => ("adbc_driver_postgresql", None),
        Engine::Spark => ("adbc_driver_spark", None),
        Engine::Snowflake => ("adbc_driver_snowflake", None),
        Engine::Bigquery => ("adbc_driver_bigquery", None),
        Engine::Trino => ("adbc_driver_trino", None),
        Engine::Clickhouse => ("adbc_driver_clickhouse", None),
    }
}

impl Session {
    /// Open `c`, run `setup` (the dialect's session settings) and make the
    /// connection read-only where the engine allows it.
    pub fn open(c: &Connection, setup: &[String]) -> Result<Session, WarehouseError> {
        let (usual, usual_entry) = usual_driver(c.engine);
        let driver_name = c.driver.clone().unwrap_or_else(|| usual.to_string());
        let entry = if c.driver.as_deref().is_none_or(|d| d.contains("duckdb")) { usual_entry } else { None };
        let not_found =
            |e: AdbcError| WarehouseError::DriverNotFound { driver: driver_name.clone(), reason: e.message };
        let mut secrets = Vec::new();
        let uri = match (&c.uri_env, &c.uri) {
            (Some(var), _) => {
                let uri = std::env::var(var).map_err(|_| WarehouseError::NoUri { variable: var.clone() })?;
                secrets.extend(secrets_of(&uri));
                Some(uri)
            }
            (None, Some(uri)) => Some(uri.clone()),
            (None, None) => None,
        };
        let mut options: Vec<(OptionDatabase, OptionValue)> = Vec::new();
        if let Some(uri) = &uri {
            // DuckDB names its database file `path`; other drivers take a URI.
            let key =
                if c.engine == Engine::Duckdb { OptionDatabase::Other("path".into()) } else { OptionDatabase::Uri };
            options.push((key, OptionValue::String(uri.clone())));
        }
        if c.engine == Engine::Duckdb {
            options.push((OptionDatabase::Other("access_mode".into()), OptionValue::String("READ_ONLY".into())));
        }
        for (k, v) in &c.options {
            options.push((OptionDatabase::Other(k.clone()), OptionValue::String(v.clone())));
        }
        let search = Some(driver_dirs());
        let database = match &c.profile {
            Some(profile) => ManagedDatabase::from_uri_with_opts(
                &format!("profile://{profile}"),
                entry,
                AdbcVersion::V110,
                LOAD_FLAG_DEFAULT,
                search,
                options,
            )
            .map_err(|e| classify(e, &secrets))?,
            None => {
                let mut driver = ManagedDriver::load_from_name(
                    &driver_name,
                    entry,
                    AdbcVersion::V110,
                    LOAD_FLAG_DEFAULT,
                    search.clone(),
                )
                .or_else(|_| {
                    ManagedDriver::load_from_name(&driver_name, entry, AdbcVersion::V100, LOAD_FLAG_DEFAULT, search)
                })
                .map_err(not_found)?;
                driver.new_database_with_opts(options).map_err(|e| classify(e, &secrets))?
            }
        };
        let mut connection = database.new_connection().map_err(|e| classify(e, &secrets))?;
        // Read-only where the driver supports it; an engine that does not is
        // still only sent kpic's SELECT statements.
        let _ = connection.set_option(OptionConnection::ReadOnly, OptionValue::String("true".into()));
        let timeout = Some(Duration::from_secs(c.timeout.unwrap_or(DEFAULT_TIMEOUT)));
        let mut session = Session { connection, _database: database, timeout, secrets };
        let mut setup = setup.to_vec();
        if c.engine == Engine::Postgres {
            setup.push("SET default_transaction_read_only = on".into());
        }
        for s in &setup {
            session.execute(s)?;
        }
        Ok(session)
    }

    /// A statement of `sql` on the connection.
    fn statement(&mut self, sql: &str) -> Result<adbc_driver_manager::ManagedStatement, WarehouseError> {
        let mut statement = self.connection.new_statement().map_err(|e| classify(e, &self.secrets))?;
        statement.set_sql_query(sql).map_err(|e| classify(e, &self.secrets))?;
        Ok(statement)
    }

    /// Run a statement that returns nothing kpic reads.
    fn execute(&mut self, sql: &str) -> Result<(), WarehouseError> {
        self.statement(sql)?.execute_update().map_err(|e| classify(e, &self.secrets))?;
        Ok(())
    }

    /// The columns a query would return, with their Arrow types, without
    /// reading rows (`LIMIT 0`), cancelled at the timeout as any statement.
    pub fn columns(&mut self, sql: &str) -> Result<Vec<(String, arrow_schema::DataType)>, WarehouseError> {
        self.watched(sql, |reader, _| {
            let schema = reader.schema();
            reader.for_each(drop);
            Ok(schema.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect())
        })
    }

    /// Run a query and read its answer, cancelling it at the timeout.
    pub fn query(&mut self, sql: &str) -> Result<Answer, WarehouseError> {
        self.watched(sql, |reader, secrets| {
            let schema = reader.schema();
            let columns = schema.fields().iter().map(|f| f.name().clone()).collect();
            let mut rows = Vec::new();
            for batch in reader {
                let batch = batch.map_err(|e| WarehouseError::Failed { reason: redact(&e.to_string(), secrets) })?;
                rows.extend(rows_of(&batch).map_err(|reason| WarehouseError::Failed { reason })?);
            }
            Ok(Answer { columns, rows })
        })
    }

    /// Run `sql` and `read` what it returns, cancelling the statement on the
    /// engine at the connection's timeout or on Ctrl-C.
    fn watched<T>(
        &mut self,
        sql: &str,
        read: impl FnOnce(Box<dyn arrow_array::RecordBatchReader + Send>, &[String]) -> Result<T, WarehouseError>,
    ) -> Result<T, WarehouseError> {
        let secrets = self.secrets.clone();
        let fail = |e: AdbcError| classify(e, &secrets);
        let mut statement = self.statement(sql)?;
        let cancel = statement.get_cancel_handle();
        let (done, watch) = std::sync::mpsc::channel::<()>();
        let deadline = self.timeout.map(|t| std::time::Instant::now() + t);
        let timed_out = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = timed_out.clone();
        let _interruptible = interrupt::during_statement();
        // Until the statement is done: cancel it at the deadline or on Ctrl-C.
        let watchdog = std::thread::spawn(move || loop {
            match watch.recv_timeout(Duration::from_millis(50)) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    let late = deadline.is_some_and(|d| std::time::Instant::now() >= d);
                    if late || interrupt::requested() {
                        flag.store(late, std::sync::atomic::Ordering::SeqCst);
                        let _ = cancel.try_cancel();
                        return;
                    }
                }
                _ => return,
            }
        });
        let result = statement.execute().map_err(fail).and_then(|reader| read(Box::new(reader), &secrets));
        let _ = done.send(());
        let _ = watchdog.join();
        if interrupt::requested() {
            return Err(WarehouseError::Interrupted);
        }
        if timed_out.load(std::sync::atomic::Ordering::SeqCst) && result.is_err() {
            return Err(WarehouseError::Timeout { seconds: self.timeout.map_or(0, |t| t.as_secs()) });
        }
        result
    }
}

/// Where kpic looks for driver manifests and libraries besides ADBC's own
/// places: `KPIC_ADBC_DRIVER_PATH` (directories separated by `:`).
fn driver_dirs() -> Vec<std::path::PathBuf> {
    std::env::var_os("KPIC_ADBC_DRIVER_PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default()
}

/// The parts of a URI that are secret: the URI itself, and a password after
/// the user name.
fn secrets_of(uri: &str) -> Vec<String> {
    let mut out = vec![uri.to_string()];
    if let Some((_, rest)) = uri.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if let Some((user, _)) = authority.rsplit_once('@') {
            if let Some((_, password)) = user.split_once(':') {
                if !password.is_empty() {
                    out.push(password.to_string());
                }
            }
        }
    }
    out
}

fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 3) {
        out = out.replace(s.as_str(), "***");
    }
    out
}

/// An ADBC error as what a user can act on: unreachable, credentials, a
/// missing table, or the engine's own words; never with a secret.
fn classify(e: AdbcError, secrets: &[String]) -> WarehouseError {
    // The engine's first paragraph: DuckDB and PostgreSQL add the statement's
    // text and a caret after a blank line.
    let first: Vec<&str> = e.message.trim().lines().take_while(|l| !l.trim().is_empty()).collect();
    let reason = redact(&first.join(" "), secrets);
    let sqlstate: String = e.sqlstate.iter().map(|c| *c as u8 as char).collect();
    let lower = reason.to_lowercase();
    match e.status {
        Status::Unauthenticated | Status::Unauthorized => WarehouseError::Unauthenticated { reason },
        _ if sqlstate.starts_with("28") || lower.contains("authentication failed") => {
            WarehouseError::Unauthenticated { reason }
        }
        _ if sqlstate == "42P01"
            || lower.contains("does not exist") && lower.contains("table")
            || lower.contains("table_or_view_not_found") =>
        {
            WarehouseError::TableMissing { reason }
        }
        Status::IO => WarehouseError::Unreachable { reason },
        _ if sqlstate.starts_with("08")
            || lower.contains("connection refused")
            || lower.contains("could not connect") =>
        {
            WarehouseError::Unreachable { reason }
        }
        Status::Timeout => WarehouseError::Timeout { seconds: 0 },
        _ => WarehouseError::Failed { reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let s = secrets_of("postgresql://kpi:hunter2@db:5432/sales");
        assert_eq!(s, vec!["postgresql://kpi:hunter2@db:5432/sales".to_string(), "hunter2".to_string()]);
        let said = redact("FATAL: password \"hunter2\" for postgresql://kpi:hunter2@db:5432/sales", &s);
        assert_eq!(said, "FATAL: password \"***\" for ***");
        assert_eq!(secrets_of("sc://spark:15002").len(), 1);
    }
}
