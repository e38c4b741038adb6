#!/usr/bin/env python3
"""Runs kpic's SQL on a real engine for tests/sql.rs.

Reads one JSON document on standard input:

    {"engine": "duckdb" | "postgres" | "clickhouse", "dsn": "...",
     "jobs": [{"id": "...",
               "tables": [{"name": "orders", "columns": [["amount", "decimal"], ...],
                           "rows": [["12.50", ...], ...]}],   (kinds: kpic's types, and
               "datetime_tz" for instants: TIMESTAMPTZ, DateTime64(6, 'UTC'))
               "session": ["SET ...", ...],
               "statements": ["SELECT ...", ...]}]}

Each job gets tables of its own (a fresh DuckDB database, a PostgreSQL
schema, a ClickHouse database), loaded from the text cells with the column
kinds of kpic's types (an empty cell is NULL), then runs its session settings
and its statements. Writes {"jobs": [{"id", "error", "results": [{"columns",
"rows"}]}]} with every cell tagged so that nothing is lost on the way: "i:"
integers, "f:" floats (repr, which reads back to the same bits), "d:" decimals
in fixed notation, "s:" text, "b:" booleans, "D:" dates, null for NULL.
"""

import datetime
import decimal
import json
import sys

TYPES = {
    "duckdb": {
        "int": "BIGINT", "float": "DOUBLE", "decimal": "DECIMAL(38, 9)", "percent": "DOUBLE",
        "duration": "DOUBLE", "text": "VARCHAR", "bool": "BOOLEAN", "date": "DATE", "datetime": "TIMESTAMP",
        "datetime_tz": "TIMESTAMPTZ",
    },
    "postgres": {
        "int": "BIGINT", "float": "DOUBLE PRECISION", "decimal": "NUMERIC(38, 9)", "percent": "DOUBLE PRECISION",
        "duration": "DOUBLE PRECISION", "text": "TEXT", "bool": "BOOLEAN", "date": "DATE", "datetime": "TIMESTAMP",
        "datetime_tz": "TIMESTAMPTZ",
    },
    "clickhouse": {
        "int": "Int64", "float": "Float64", "decimal": "Decimal(38, 9)", "percent": "Float64",
        "duration": "Float64", "text": "String", "bool": "Bool", "date": "Date32", "datetime": "DateTime64(6)",
        "datetime_tz": "DateTime64(6, 'UTC')",
    },
}


def cell(kind, text):
    if text is None or text == "":
        return None
    if kind == "int":
        return int(text)
    if kind in ("float", "percent", "duration"):
        return float(text)
    if kind == "decimal":
        return decimal.Decimal(text)
    if kind == "bool":
        return {"true": True, "false": False}[text.lower()]
    if kind == "date":
        return datetime.date.fromisoformat(text)
    if kind in ("datetime", "datetime_tz"):
        return datetime.datetime.fromisoformat(text)
    return text


def tag(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "b:" + ("true" if v else "false")
    if isinstance(v, int):
        return "i:%d" % v
    if isinstance(v, float):
        return "f:" + repr(v)
    if isinstance(v, decimal.Decimal):
        return "d:" + format(v, "f")
    if isinstance(v, datetime.datetime):
        return "T:" + v.isoformat(sep=" ")
    if isinstance(v, datetime.date):
        return "D:" + v.isoformat()
    return "s:" + str(v)


def quote(name):
    return '"' + name.replace('"', '""') + '"'


def create(table, engine):
    columns = ", ".join(
        "%s %s" % (quote(n), TYPES[engine][k] if engine != "clickhouse" else "Nullable(%s)" % TYPES[engine][k])
        for n, k in table["columns"]
    )
    tail = " ENGINE = Memory" if engine == "clickhouse" else ""
    return "CREATE TABLE %s (%s)%s" % (quote(table["name"]), columns, tail)


def typed_rows(table):
    kinds = [k for _, k in table["columns"]]
    return [tuple(cell(k, t) for k, t in zip(kinds, row)) for row in table["rows"]]


def run_dbapi(con, job, engine, mark):
    """A job on a DB-API connection (DuckDB's, psycopg's)."""
    for table in job["tables"]:
        con.execute(create(table, engine))
        rows = typed_rows(table)
        if rows:
            marks = ", ".join(mark for _ in table["columns"])
            con.cursor().executemany("INSERT INTO %s VALUES (%s)" % (quote(table["name"]), marks), rows)
    for s in job["session"]:
        con.execute(s)
    out = []
    for s in job["statements"]:
        cur = con.execute(s)
        columns = [d[0] for d in cur.description]
        out.append({"columns": columns, "rows": [[tag(v) for v in r] for r in cur.fetchall()]})
    return out


def run_duckdb(_ctx, _n, job):
    import duckdb

    con = duckdb.connect()
    try:
        return run_dbapi(con, job, "duckdb", "?")
    finally:
        con.close()


def open_postgres(dsn):
    import psycopg

    return psycopg.connect(dsn, autocommit=True)


def run_postgres(con, n, job):
    schema = "job_%d" % n
    con.execute("RESET ALL")
    con.execute("DROP SCHEMA IF EXISTS %s CASCADE" % schema)
    con.execute("CREATE SCHEMA %s" % schema)
    con.execute("SET search_path TO %s" % schema)
    return run_dbapi(con, job, "postgres", "%s")


def clickhouse_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, decimal.Decimal):
        return "toDecimal128('%s', 9)" % format(v, "f")
    if isinstance(v, datetime.datetime) and v.tzinfo is not None:
        utc = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return "toDateTime64('%s', 6, 'UTC')" % utc.isoformat(sep=" ")
    if isinstance(v, datetime.datetime):
        return "toDateTime64('%s', 6)" % v.isoformat(sep=" ")
    if isinstance(v, datetime.date):
        return "toDate32('%s')" % v.isoformat()
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


def clickhouse_value(kind, v):
    if v is None:
        return None
    kind = kind.replace("Nullable(", "").replace("LowCardinality(", "")
    if kind.startswith("Decimal"):
        return decimal.Decimal(v)
    if kind.startswith(("Int", "UInt")):
        return int(v)
    if kind.startswith("Float"):
        return float(v)
    if kind.startswith("DateTime"):
        return "T:" + v
    if kind.startswith("Date"):
        return datetime.date.fromisoformat(v)
    if kind.startswith("Bool"):
        return bool(v)
    return v


def open_clickhouse(_dsn):
    from chdb import session

    return session.Session()


def run_clickhouse(sess, n, job):
    settings = " SETTINGS output_format_json_quote_decimals = 1, output_format_json_quote_64bit_integers = 1"
    db = "job_%d" % n
    sess.query("DROP DATABASE IF EXISTS %s" % db)
    sess.query("CREATE DATABASE %s" % db)
    sess.query("USE %s" % db)
    for table in job["tables"]:
        sess.query(create(table, "clickhouse"))
        rows = typed_rows(table)
        if rows:
            values = ", ".join("(" + ", ".join(clickhouse_literal(v) for v in r) + ")" for r in rows)
            sess.query("INSERT INTO %s VALUES %s" % (quote(table["name"]), values))
    for s in job["session"]:
        sess.query(s)
    out = []
    for s in job["statements"]:
        res = sess.query(s + settings, "JSON")
        doc = json.loads(res.bytes(), parse_float=decimal.Decimal)
        kinds = [m["type"] for m in doc["meta"]]
        columns = [m["name"] for m in doc["meta"]]
        rows = []
        for r in doc["data"]:
            row = []
            for k, c in zip(kinds, columns):
                v = clickhouse_value(k, r[c])
                row.append(v if isinstance(v, str) and v.startswith("T:") else tag(v))
            rows.append(row)
        out.append({"columns": columns, "rows": rows})
    return out


ENGINES = {
    "duckdb": (lambda _dsn: None, run_duckdb),
    "postgres": (open_postgres, run_postgres),
    "clickhouse": (open_clickhouse, run_clickhouse),
}


def load(doc):
    """Loads tables for kpic to read through its ADBC drivers (tests/warehouse.rs):
    {"engine": "duckdb", "path": FILE} or {"engine": "postgres", "dsn": ...}, and
    "schemas": [{"schema": "c0", "tables": [...]}]. A DuckDB file is written in
    the storage format of DuckDB 1.0, which every later library reads."""
    engine = doc["engine"]
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute("ATTACH %s AS w (STORAGE_VERSION 'v1.0.0')" % ("'" + doc["path"].replace("'", "''") + "'"))
        con.execute("USE w")
        mark = "?"
    else:
        con = open_postgres(doc["dsn"])
        mark = "%s"
    for item in doc["schemas"]:
        schema = quote(item["schema"])
        con.execute("DROP SCHEMA IF EXISTS %s CASCADE" % schema)
        con.execute("CREATE SCHEMA %s" % schema)
        con.execute("SET search_path TO %s" % schema if engine == "postgres" else "USE w.%s" % schema)
        for table in item["tables"]:
            con.execute(create(table, engine))
            rows = typed_rows(table)
            if rows:
                marks = ", ".join(mark for _ in table["columns"])
                many = getattr(con, "executemany", None) or con.cursor().executemany
                many("INSERT INTO %s VALUES (%s)" % (quote(table["name"]), marks), rows)
    for statement in doc.get("sql", []):
        con.execute(statement)
    if engine == "postgres":
        con.execute("RESET ALL")
    con.close()
    json.dump({"loaded": len(doc["schemas"])}, sys.stdout)


def main():
    doc = json.load(sys.stdin)
    if "schemas" in doc:
        return load(doc)
    open_engine, run = ENGINES[doc["engine"]]
    ctx = open_engine(doc.get("dsn"))
    results = []
    for n, job in enumerate(doc["jobs"]):
        try:
            results.append({"id": job["id"], "error": None, "results": run(ctx, n, job)})
        except Exception as e:  # one job's failure is its test's, not the others'
            results.append({"id": job["id"], "error": "%s: %s" % (type(e).__name__, e), "results": []})
    json.dump({"jobs": results}, sys.stdout)


if __name__ == "__main__":
    main()
