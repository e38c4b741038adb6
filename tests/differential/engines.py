"""Where kpic's side of the differential test reads the data (run.py --engine).

- `files` (the default): kpic reads the CSV files.
- `duckdb`: the sources are tables of a DuckDB database file, stored as a
  warehouse stores them (dates and times as DATE and TIMESTAMP, money as
  DECIMAL(38, 9)), and kpic evaluates with `--table`, through its ADBC driver
  (libduckdb.so): the whole warehouse backend against the oracle.
- `postgres`: the same tables in a PostgreSQL server (run.py --uri for kpic,
  --dsn to load them), read through libadbc_driver_postgresql.so.
- `spark`: the same tables as Parquet files (written by DuckDB) under a Spark
  Connect server (run.py --uri), read through libadbc_driver_spark.so.
- `clickhouse`: at the SQL level, since no ClickHouse server runs here: kpic's
  ClickHouse statements (`kpic plan --sql --dialect clickhouse`) run in chdb on
  the same rows, read as the warehouse backend reads them, and must equal the
  polars backend's aggregates (`kpic dump aggregates`), to the bit where the
  math is exact. Sabotages (run.py --sabotage-sql) change the statements the
  way a wrong dialect would, and the run must fail.
"""

import decimal
import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from sql_engine import clickhouse_literal as literal  # noqa: E402

ENGINES = ["files", "duckdb", "postgres", "spark", "clickhouse"]
# The engines kpic reads through ADBC, and their drivers (.ci/setup).
ADBC = Path.home() / ".cache/kpic/adbc/lib"
DRIVERS = {
    "duckdb": ADBC / "libduckdb.so",
    "postgres": ADBC / "libadbc_driver_postgresql.so",
    "spark": ADBC / "libadbc_driver_spark.so",
}
# Mistakes a dialect could make: each must be caught.
SQL_SABOTAGES = {
    # ISO weeks start on Monday; toStartOfWeek(x) starts them on Sunday.
    "sunday-week": lambda sql: sql.replace("toMonday(", "toStartOfWeek("),
    # An aggregate of no values is kpic's to decide, from the `__n` count.
    "no-count-guard": None,
    # ClickHouse's quantileBFloat16 is approximate.
    "approximate-median": lambda sql: sql.replace("quantileExactInclusive(", "quantileBFloat16("),
    # A quote inside a string left unescaped: the statement fails, or
    # compares with another string.
    "unescaped-quote": lambda sql: sql.replace("\\'", "'"),
}
RAW_TYPE = {
    "int": "BIGINT",
    "float": "DOUBLE",
    "money": "DECIMAL(38, 9)",
    "percent": "DOUBLE",
    "duration": "DOUBLE",
    "text": "VARCHAR",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
}
POSTGRES_TYPE = {
    "BIGINT": "BIGINT",
    "DOUBLE": "DOUBLE PRECISION",
    "DECIMAL(38, 9)": "NUMERIC(38, 9)",
    "VARCHAR": "TEXT",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
}
CLICKHOUSE_TYPE = {
    "BIGINT": "Int64",
    "DOUBLE": "Float64",
    "DECIMAL(38, 9)": "Decimal(38, 9)",
    "VARCHAR": "String",
    "BOOLEAN": "Bool",
    "DATE": "Date32",
    "TIMESTAMP": "DateTime64(6)",
}


def round_money(case, directory):
    """Money in the CSV files rounded half to even to 9 decimals, as a
    warehouse's DECIMAL(38, 9) column holds it, so that every reader sees
    the same amounts (a money column stored as a float is exact nowhere:
    engines turn floats into decimals each their own way)."""
    import csv

    for s in case.sources:
        money = [c.name for c in s.columns if c.ty == "money"]
        if not money:
            continue
        path = directory / s.file
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
        header = rows[0]
        at = [header.index(m) for m in money]
        for row in rows[1:]:
            for i in at:
                if row[i] != "":
                    q = decimal.Decimal(row[i]).quantize(decimal.Decimal("1e-9"), rounding=decimal.ROUND_HALF_EVEN)
                    row[i] = format(q.normalize(), "f") if q != 0 else "0"
        with open(path, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def raw_select(s, directory):
    """The rows of a source's CSV file as stored in a warehouse, in DuckDB SQL."""
    columns = ", ".join(f"'{c.name}': 'VARCHAR'" for c in s.columns)
    select = []
    for c in s.columns:
        name = ident(c.name)
        if c.ty == "datetime":
            e = f"strptime({name}, '{c.pattern()}')"
        elif c.ty == "date":
            e = f"CAST(strptime({name}, '{c.pattern()}') AS DATE)"
        else:
            e = f"CAST({name} AS {RAW_TYPE[c.ty]})"
        select.append(f"{e} AS {name}")
    path = str(directory / s.file).replace("'", "''")
    return (
        f"SELECT {', '.join(select)} FROM read_csv('{path}', header = true, auto_detect = false, delim = ',', "
        f"quote = '\"', escape = '\"', columns = {{{columns}}})"
    )


def duckdb_tables(case, directory):
    """A DuckDB file with the case's sources, in the storage format every
    DuckDB library since 1.0 reads."""
    import duckdb

    path = directory / "warehouse.duckdb"
    con = duckdb.connect()
    con.execute(f"ATTACH '{path}' AS w (STORAGE_VERSION 'v1.0.0')")
    for s in case.sources:
        con.execute(f"CREATE TABLE w.{ident(s.name)} AS {raw_select(s, directory)}")
    con.close()
    return path


def schema_of(directory):
    """The schema (database) of a case's tables on a server."""
    return "d_" + re.sub(r"\W", "_", directory.name)


def postgres_tables(case, directory, dsn):
    """The case's sources in a schema of the PostgreSQL server at `dsn`."""
    import duckdb
    import psycopg

    schema = schema_of(directory)
    con = duckdb.connect()
    with psycopg.connect(dsn, autocommit=True) as pg:
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        pg.execute(f"CREATE SCHEMA {schema}")
        for s in case.sources:
            table = f"{schema}.{ident(s.name)}"
            columns = ", ".join(f"{ident(c.name)} {POSTGRES_TYPE[RAW_TYPE[c.ty]]}" for c in s.columns)
            pg.execute(f"CREATE TABLE {table} ({columns})")
            with pg.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                for row in con.execute(raw_select(s, directory)).fetchall():
                    copy.write_row(row)
    con.close()
    return schema


def spark_tables(case, directory, uri):
    """The case's sources as Parquet files that DuckDB writes (money as
    DECIMAL(38, 9), times as TIMESTAMP, which Spark reads as TIMESTAMP_NTZ),
    declared as tables of a database of the Spark Connect server at `uri`."""
    import duckdb

    schema = schema_of(directory)
    con = duckdb.connect()
    sql = [f"DROP DATABASE IF EXISTS {schema} CASCADE", f"CREATE DATABASE {schema}"]
    for s in case.sources:
        path = str(directory / f"{s.name}.parquet").replace("'", "''")
        con.execute(f"COPY ({raw_select(s, directory)}) TO '{path}' (FORMAT parquet)")
        sql.append(f"CREATE TABLE {schema}.`{s.name}` USING parquet LOCATION '{path}'")
    con.close()
    adbc_statements(DRIVERS["spark"], uri, sql)
    return schema


def adbc_statements(driver, uri, sql):
    """Statements that return nothing, through an ADBC driver."""
    import adbc_driver_manager as adbc

    with adbc.AdbcDatabase(driver=str(driver), uri=uri) as db, adbc.AdbcConnection(db) as conn:
        for q in sql:
            with adbc.AdbcStatement(conn) as st:
                st.set_sql_query(q)
                st.execute_update()


def kpic_on_engine(args, case, directory, spec_path):
    """kpic eval with every source pointed at its table on `args.engine`."""
    if args.engine == "duckdb":
        uri, schema = str(duckdb_tables(case, directory)), None
    elif args.engine == "postgres":
        uri, schema = args.uri, postgres_tables(case, directory, args.dsn)
    else:
        uri, schema = args.uri, spark_tables(case, directory, args.uri)
    driver = args.driver or DRIVERS[args.engine]
    (directory / "kpic.toml").write_text(
        f'[connections.wh]\nengine = "{args.engine}"\ndriver = "{driver}"\nuri_env = "KPIC_DIFFERENTIAL_URI"\n'
    )
    cmd = [args.kpic, "eval", str(spec_path), "--format", "json"]
    for s in case.sources:
        cmd += ["--table", f"{s.name}=wh:{s.name if schema is None else schema + '.' + s.name}"]
    return subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, KPIC_DIFFERENTIAL_URI=uri))


def clickhouse_session():
    from chdb import session

    return session.Session()


def sql_level(kpic, case, directory, spec_path, sess, sabotage):
    """kpic's ClickHouse statements against the polars backend's aggregates:
    a list of differences."""
    dumped = subprocess.run([kpic, "dump", "aggregates", str(spec_path)], capture_output=True, text=True)
    if dumped.returncode != 0:
        return [f"kpic dump aggregates exited with {dumped.returncode}:\n{dumped.stderr}"]
    planned = subprocess.run(
        [kpic, "plan", str(spec_path), "--sql", "--dialect", "clickhouse", "--format", "json"],
        capture_output=True,
        text=True,
    )
    if planned.returncode != 0:
        return [f"kpic plan --sql exited with {planned.returncode}:\n{planned.stderr}"]
    expected = {q["query"]: q for q in json.loads(dumped.stdout)["queries"]}
    statements = json.loads(planned.stdout)
    db = "d_" + directory.name.replace("-", "_")
    sess.query(f"DROP DATABASE IF EXISTS {db}")
    sess.query(f"CREATE DATABASE {db}")
    sess.query(f"USE {db}")
    import duckdb

    con = duckdb.connect()
    for s in case.sources:
        columns = ", ".join(f"{ident(c.name)} Nullable({CLICKHOUSE_TYPE[RAW_TYPE[c.ty]]})" for c in s.columns)
        sess.query(f"CREATE TABLE {ident(s.name)} ({columns}) ENGINE = Memory")
        rows = con.execute(raw_select(s, directory)).fetchall()
        if rows:
            values = ", ".join("(" + ", ".join(literal(v) for v in r) + ")" for r in rows)
            sess.query(f"INSERT INTO {ident(s.name)} VALUES {values}")
    con.close()
    problems = []
    for st in statements:
        for setting in st["session"]:
            sess.query(setting)
        sql = st["sql"]
        rewrite = SQL_SABOTAGES.get(sabotage)
        if rewrite:
            sql = rewrite(sql)
        try:
            res = sess.query(sql + " SETTINGS output_format_json_quote_decimals = 1", "JSON")
        except Exception as e:  # noqa: BLE001 - a statement that fails is a difference
            problems.append(f"query {st['query']}: ClickHouse failed: {e}")
            continue
        doc = json.loads(res.bytes(), parse_float=decimal.Decimal)
        got = table_of(expected[st["query"]], doc["data"], sabotage == "no-count-guard")
        problems += differences(expected[st["query"]], got)
    return problems


def number(v):
    if v is None:
        return None
    return float(v)


def table_of(query, rows, unguarded):
    """The engine's rows as the warehouse backend reads them (src/backend/sql/results.rs):
    no value where `__n` counted none, an average as the sum over `__n`."""
    out = {}
    for r in rows:
        key = (r["__period"], tuple(None if r[k] is None else str(r[k]) for k in query["keys"]))
        values = {}
        for a in query["aggregates"]:
            v = number(r[a["alias"]])
            if a["func"] in ("count", "count_distinct"):
                v = 0.0 if v is None else v
            elif not unguarded:
                n = number(r[a["alias"] + "__n"]) or 0.0
                v = None if n == 0 else (v / n if a["func"] == "avg" and v is not None else v)
            values[a["alias"]] = v
        out[key] = values
    return out


def differences(query, got):
    want = {(r["period"], tuple(r["keys"])): r["values"] for r in query["rows"]}
    problems = []
    for key in sorted(set(want) | set(got), key=str):
        if key not in got or key not in want:
            problems.append(f"query {query['query']} {key}: only {'polars' if key in want else 'ClickHouse'}")
            continue
        for alias, w in want[key].items():
            g = got[key][alias]
            a = next(x for x in query["aggregates"] if x["alias"] == alias)
            inexact = not a["exact"]
            if w is None or g is None:
                same = w is None and g is None
            elif inexact:
                same = abs(w - g) <= 1e-12 * max(abs(w), abs(g), 1.0)
            else:
                same = w == g
            if not same:
                problems.append(f"query {query['query']} {key} {alias} ({a['func']}): polars {w!r}, ClickHouse {g!r}")
    return problems
