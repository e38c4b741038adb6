#!/usr/bin/env python3
"""The eval benchmark's workload on warehouses: kpic's generated SQL against
the same workload written by hand in SQL, on the same engine, through the same
ADBC driver (docs/performance.md, "On warehouses").

    python3 benches/warehouse/run.py [--rows 1M|10M] [--engines duckdb,postgres,spark]
                                     [--runs 3] [--kpic target/release/kpic]

The data is benches/eval's (benches/eval/generate.py, in ~/.cache/kpic/bench):
DuckDB reads a database file made from it (amount as DECIMAL(18, 2)),
PostgreSQL a table copied into a server this script starts on loopback, and
Spark a table over the Parquet file (amount as DECIMAL(18, 2) too), in a
Spark Connect server in `local-cluster` mode with one executor and then two.
For each engine:

- kpic: `kpic eval benches/eval/sales.kpi --table orders=wh:orders --format
  json`, the whole process (its one statement per source and grouping, and the
  evaluation, scores and JSON);
- hand: a Python process that connects through the same driver and runs
  benches/eval/hand.py's SQL (the aggregation, the scores and the payout in
  one statement) and fetches the result as Arrow;
- kpic's SQL: the statements kpic sends (`kpic plan --sql --connect`), run and fetched
  by the same client as the hand SQL: the comparison of the SQL alone.

The SQL ratio is kpic's statements against the hand-written one, each timed
from sending to the last Arrow batch; the process ratio adds everything else
either side does (kpic: the evaluation of every KPI row, the scores and the
JSON; hand: the interpreter's start).

Runs go round by round, each contender once per round; the medians are
printed, and the ratios of kpic to hand (whole process, and to the query
alone). Needs .ci/setup's drivers and Spark, Python's duckdb, psycopg and
adbc-driver-manager.
"""

import argparse
import json
import os
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
CACHE = pathlib.Path.home() / ".cache/kpic"
LIB = CACHE / "adbc/lib"
SPARK_HOME = CACHE / "spark/pyspark-4.3.0/deps"
DRIVERS = {
    "duckdb": (LIB / "libduckdb.so", "duckdb_adbc_init"),
    "postgres": (LIB / "libadbc_driver_postgresql.so", None),
    "spark": (LIB / "libadbc_driver_spark.so", None),
}

sys.path.insert(0, str(ROOT / "benches/eval"))
import hand  # noqa: E402  the hand-written workload's pieces


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hand_sql(engine, table):
    """hand.py's statement, in the engine's SQL."""
    group = "GROUP BY ALL" if engine == "duckdb" else "GROUP BY 1, 2"
    double = "DOUBLE PRECISION" if engine == "postgres" else "DOUBLE"
    return hand.workload_sql(table, group, double)


HAND_CLIENT = r"""
import sys, time, json
t0 = time.perf_counter()
import adbc_driver_manager.dbapi as dbapi
engine, driver, entry, uri, sql = json.loads(sys.stdin.read())
kwargs = {"path": uri} if engine == "duckdb" else {"uri": uri}
con = dbapi.connect(driver=driver, entrypoint=entry, db_kwargs=kwargs)
cur = con.cursor()
if engine == "postgres":
    cur.execute("SET TIME ZONE 'UTC'")
rows, took = 0, 0.0
for statement in (sql if isinstance(sql, list) else [sql]):
    t1 = time.perf_counter()
    cur.execute(statement)
    table = cur.fetch_arrow_table()
    took += time.perf_counter() - t1
    rows += table.num_rows
print(json.dumps({"rows": rows, "query": took}))
"""


def timed(cmd, stdin=None, env=None):
    start = time.perf_counter()
    out = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {out.stderr[-2000:]}")
    return wall, out.stdout


class Engine:
    def __init__(self, name, uri, table, executors=None):
        self.name, self.uri, self.table, self.executors = name, uri, table, executors

    def label(self):
        return self.name if self.executors is None else f"{self.name} ({self.executors} executor{'s' * (self.executors > 1)})"


def project(engine, workdir):
    """A copy of benches/eval with a kpic.toml for the engine."""
    d = pathlib.Path(workdir) / engine.label().replace(" ", "_").replace("(", "").replace(")", "")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(ROOT / "benches/eval", d)
    driver, _ = DRIVERS[engine.name]
    (d / "kpic.toml").write_text(
        f'[connections.wh]\nengine = "{engine.name}"\ndriver = "{driver}"\nuri_env = "KPIC_BENCH_URI"\ntimeout = 3600\n'
    )
    return d


def measure(engine, kpic, runs, workdir):
    d = project(engine, workdir)
    env = dict(os.environ, KPIC_BENCH_URI=engine.uri)
    kpic_cmd = [kpic, "eval", str(d / "sales.kpi"), "--table", f"orders=wh:{engine.table}", "--format", "json", "-q"]
    driver, entry = DRIVERS[engine.name]
    hand_input = json.dumps([engine.name, str(driver), entry, engine.uri, hand_sql(engine.name, engine.table)])
    # kpic's own statements, run by the same client: the SQL alone.
    # `--connect`: as eval sends them, after asking the engine how it stores the columns.
    plan_cmd = [kpic, "plan", str(d / "sales.kpi"), "--sql", "--connect", "--format", "json",
                "--table", f"orders=wh:{engine.table}"]
    statements = json.loads(subprocess.run(plan_cmd, capture_output=True, text=True, env=env, check=True).stdout)
    kpic_sql_input = json.dumps([engine.name, str(driver), entry, engine.uri, [s["sql"] for s in statements]])
    # One warm-up of each: caches, the JIT of Spark's executors.
    _, out = timed(kpic_cmd, env=env)
    kpis = json.loads(out)["kpis"]
    _, hand_out = timed([sys.executable, "-c", HAND_CLIENT], stdin=hand_input)
    k_walls, h_walls, h_queries, k_queries = [], [], [], []
    for _ in range(runs):
        k_walls.append(timed(kpic_cmd, env=env)[0])
        wall, out = timed([sys.executable, "-c", HAND_CLIENT], stdin=hand_input)
        h_walls.append(wall)
        h_queries.append(json.loads(out)["query"])
        k_queries.append(json.loads(timed([sys.executable, "-c", HAND_CLIENT], stdin=kpic_sql_input)[1])["query"])
    k, h, q, kq = (statistics.median(x) for x in (k_walls, h_walls, h_queries, k_queries))
    rows = json.loads(hand_out)["rows"]
    print(
        f"| {engine.label()} | {len(statements)} | {kq:.2f} s | {q:.2f} s | **{kq / q:.2f}x** | {k:.2f} s | {h:.2f} s | "
        f"{k / h:.2f}x | {sum(len(x['rows']) for x in kpis)} KPI rows; hand {rows} rows |",
        flush=True,
    )


def duckdb_file(rows):
    import duckdb

    path = CACHE / f"bench/orders_{rows}.duckdb"
    if not path.exists():
        con = duckdb.connect()
        con.execute(f"ATTACH '{path}' AS w (STORAGE_VERSION 'v1.0.0')")
        con.execute(
            "CREATE TABLE w.orders AS SELECT order_id, created_at, manager, department, city, channel, customer_id, "
            f"units, CAST(amount AS DECIMAL(18, 2)) AS amount, status FROM read_parquet('{CACHE}/bench/orders_{rows}.parquet')"
        )
        con.close()
    return path


def postgres(rows, workdir):
    """A server on loopback with the orders table; stopped at exit."""
    bins = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    data = pathlib.Path(workdir) / "pg"
    data.mkdir()
    root = os.getuid() == 0
    as_pg = ["runuser", "-u", "postgres", "--"] if root else []
    if root:
        shutil.chown(workdir, "postgres")
        shutil.chown(data, "postgres")
    subprocess.run(as_pg + [str(bins / "initdb"), "-A", "trust", "-U", "kpic", "--no-sync", "-D", str(data / "db")],
                   check=True, capture_output=True)
    port = free_port()
    opts = f"-k {data} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off -c shared_buffers=1GB -c work_mem=256MB"
    subprocess.run(as_pg + [str(bins / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "log"), "-w", "start",
                            "-o", opts], check=True, capture_output=True)
    import psycopg

    dsn = f"host=127.0.0.1 port={port} user=kpic dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(
            "CREATE TABLE orders (order_id BIGINT, created_at TIMESTAMP, manager TEXT, department TEXT, city TEXT, "
            "channel TEXT, customer_id BIGINT, units INT, amount NUMERIC(18, 2), status TEXT)"
        )
        with con.cursor().copy("COPY orders FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            with open(CACHE / f"bench/orders_{rows}.csv", "rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        con.execute("VACUUM ANALYZE orders")

    def stop():
        subprocess.run(as_pg + [str(bins / "pg_ctl"), "-D", str(data / "db"), "-m", "fast", "stop"], capture_output=True)

    return f"postgresql://kpic@127.0.0.1:{port}/postgres", stop


def decimal_parquet(rows):
    """The Parquet file with amount as DECIMAL(18, 2), as DuckDB and PostgreSQL store it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = CACHE / f"bench/orders_{rows}_decimal.parquet"
    if not path.exists():
        source = pq.ParquetFile(CACHE / f"bench/orders_{rows}.parquet")
        schema = source.schema_arrow
        schema = schema.set(schema.get_field_index("amount"), pa.field("amount", pa.decimal128(18, 2)))
        with pq.ParquetWriter(path, schema) as out:
            for batch in source.iter_batches(batch_size=1 << 20):
                out.write_batch(batch.cast(schema))
    return path


def spark(executors, rows, workdir):
    port = free_port()
    env = dict(os.environ, SPARK_HOME=str(SPARK_HOME), SPARK_LOCAL_IP="127.0.0.1", SPARK_NO_DAEMONIZE="1",
               SPARK_LOG_DIR=workdir, SPARK_PID_DIR=workdir)
    log = open(pathlib.Path(workdir) / f"spark-{executors}.log", "w")
    server = subprocess.Popen(
        [str(SPARK_HOME / "sbin/start-connect-server.sh"), "--master", f"local-cluster[{executors},1,1024]",
         "--conf", "spark.connect.grpc.binding.address=127.0.0.1", "--conf", f"spark.connect.grpc.binding.port={port}",
         "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
         "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.session.timeZone=UTC",
         "--conf", f"spark.sql.warehouse.dir={workdir}/warehouse-{executors}"],
        env=env, stdout=log, stderr=log, cwd=workdir, start_new_session=True)
    for _ in range(720):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.25)
    uri = f"sc://127.0.0.1:{port}"
    import adbc_driver_manager.dbapi as dbapi

    con = dbapi.connect(driver=str(DRIVERS["spark"][0]), db_kwargs={"uri": uri})
    cur = con.cursor()
    cur.execute(f"CREATE TABLE orders USING parquet LOCATION '{decimal_parquet(rows)}'")
    cur.fetchall()
    con.close()

    def stop():
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)

    return uri, stop


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="10M")
    ap.add_argument("--engines", default="duckdb,postgres,spark")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--kpic", default=str(ROOT / "target/release/kpic"))
    args = ap.parse_args()
    engines = args.engines.split(",")
    print(f"rows {args.rows}, {args.runs} runs, medians")
    print("| engine | kpic statements | kpic's SQL | hand SQL | SQL ratio | kpic eval, process | hand, process | process ratio | rows |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as workdir:
        os.chmod(workdir, 0o755)
        if "duckdb" in engines:
            measure(Engine("duckdb", str(duckdb_file(args.rows)), "orders"), args.kpic, args.runs, workdir)
        if "postgres" in engines:
            uri, stop = postgres(args.rows, workdir)
            try:
                measure(Engine("postgres", uri, "orders"), args.kpic, args.runs, workdir)
            finally:
                stop()
        if "spark" in engines:
            for executors in (1, 2):
                uri, stop = spark(executors, args.rows, workdir)
                try:
                    measure(Engine("spark", uri, "orders", executors), args.kpic, args.runs, workdir)
                finally:
                    stop()


if __name__ == "__main__":
    main()
