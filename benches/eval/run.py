#!/usr/bin/env python3
"""Run the eval benchmark: kpic against hand-written polars and DuckDB, and a floor.

    python3 benches/eval/run.py [--rows 1M,10M] [--formats parquet,csv] [--runs 3]
                                [--data DIR] [--kpic PATH] [--only kpic,polars,duckdb,floor]

For each size and format it makes the data if missing (benches/eval/generate.py,
into --data, default ~/.cache/kpic/bench), then runs every contender as its own
process --runs times: kpic (`kpic eval benches/eval/sales.kpi --format json`),
the polars and DuckDB queries of benches/eval/hand.py, and the floor (a read of
the used columns). It prints the median wall time and the peak memory of each,
and the ratios of kpic to each other contender, and checks that polars and
DuckDB give kpic's numbers: every actual of every KPI, manager and month, and
every score, coefficient and bonus (relative difference under 1e-9).

Wall time is the whole process, start-up included, as a user waits for it. The
Python contenders also report the time of the query alone (`query`), which
leaves out the interpreter and its imports; the ratios are taken against that
smaller figure, so they are the harder comparison for kpic. CPU is the
process's user and system time (interpreter included), which a busy shared
machine disturbs less than wall time. The runs go round by round, each
contender once per round, so a slow spell of the machine hits all alike.
"""

import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SPEC = os.path.join(HERE, "sales.kpi")
# Where the data is made and kept, and the release binary measured.
DATA = os.path.expanduser("~/.cache/kpic/bench")
KPIC = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/kpic/target")), "release", "kpic")
sys.path.insert(0, HERE)
import hand  # noqa: E402  (the KPI list and columns)


def measure(cmd):
    """Wall seconds, CPU seconds (user + system), peak RSS (MiB) and standard
    output of one process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        err.seek(0)
        err = err.read()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.decode()


def data_file(args, rows, fmt):
    path = os.path.join(args.data, f"orders_{rows}.{fmt}")
    if not os.path.exists(path):
        print(f"generating {path}", file=sys.stderr)
        subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), "--rows", rows,
                        "--out", args.data, "--formats", fmt], check=True, stdout=subprocess.DEVNULL)
    return path


def commands(args, path, out):
    kpic = [args.kpic, "--allow-outside-project", "eval", SPEC, "--data", f"orders={path}",
            "--format", "json", "--output", out["kpic"]]
    py = [sys.executable, os.path.join(HERE, "hand.py")]
    return {
        "kpic": kpic,
        "polars": py + ["polars", path, "--out", out["polars"]],
        "duckdb": py + ["duckdb", path, "--out", out["duckdb"]],
        "floor": py + ["floor", path],
    }


def kpic_rows(path):
    """kpic's JSON as {(manager, month): {column: value}}."""
    doc = json.load(open(path))
    rows = {}
    for kpi in doc["kpis"]:
        for r in kpi["rows"]:
            key = (r["entity"][0], r["period"])
            rows.setdefault(key, {})[kpi["name"]] = r["actual"]
    for card in doc["scorecards"]:
        for r in card["rows"]:
            key = (r["entity"], r["period"])
            for col in ("score", "coefficient", "bonus"):
                value = r.get(col)
                rows.setdefault(key, {})[col] = value["amount"] if isinstance(value, dict) else value
    return rows


def hand_rows(path):
    rows = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            key = (r["manager"], r["month"][:7])
            rows[key] = {c: (float(r[c]) if r[c] != "" else None) for c in hand.COLUMNS[2:]}
    return rows


def compare(name, ours, theirs):
    """Problems between kpic's numbers and another engine's; empty when equal."""
    problems = []
    if set(ours) != set(theirs):
        only = sorted(set(ours) ^ set(theirs))[:5]
        problems.append(f"{name}: different manager-months, e.g. {only}")
    for key in sorted(set(ours) & set(theirs)):
        for col in hand.COLUMNS[2:]:
            a, b = ours[key].get(col), theirs[key].get(col)
            if not close(a, b):
                problems.append(f"{name}: {key} {col}: kpic {a}, {name} {b}")
    return problems


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1M,10M")
    ap.add_argument("--formats", default="parquet,csv")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--kpic", default=KPIC)
    ap.add_argument("--only", default="kpic,polars,duckdb,floor")
    args = ap.parse_args()
    only = args.only.split(",")
    failed = False
    print(f"{'rows':>5} {'format':8} {'contender':9} {'wall s':>8} {'query s':>8} {'CPU s':>7} {'peak MiB':>9}"
          f" {'kpic/this':>10}")
    for rows in args.rows.split(","):
        for fmt in args.formats.split(","):
            path = data_file(args, rows, fmt)
            with tempfile.TemporaryDirectory() as tmp:
                out = {k: os.path.join(tmp, f"{k}.out") for k in ("kpic", "polars", "duckdb")}
                cmds = commands(args, path, out)
                runs = {name: {"wall": [], "cpu": [], "query": [], "rss": 0.0} for name in only}
                # Round by round, every contender once per round: a machine
                # that slows down for a while slows all of them alike.
                for _ in range(args.runs):
                    for name in only:
                        wall, cpu, peak, stdout = measure(cmds[name])
                        r = runs[name]
                        r["wall"].append(wall)
                        r["cpu"].append(cpu)
                        r["rss"] = max(r["rss"], peak)
                        if name != "kpic":
                            r["query"].append(json.loads(stdout.strip().splitlines()[-1])["query_seconds"])
                results = {name: (statistics.median(r["wall"]), statistics.median(r["query"]) if r["query"] else None,
                                  statistics.median(r["cpu"]), r["rss"]) for name, r in runs.items()}
                kpic_wall = results.get("kpic", (None,))[0]
                for name, (wall, query, cpu, rss) in results.items():
                    ratio = ""
                    if kpic_wall and name != "kpic":
                        ratio = f"{kpic_wall / (query or wall):.2f}x"
                    q = f"{query:8.2f}" if query is not None else " " * 8
                    print(f"{rows:>5} {fmt:8} {name:9} {wall:8.2f} {q} {cpu:7.2f} {rss:9.0f} {ratio:>10}",
                          flush=True)
                if "kpic" in results:
                    ours = kpic_rows(out["kpic"])
                    for name in ("polars", "duckdb"):
                        if name in results:
                            problems = compare(name, ours, hand_rows(out[name]))
                            for p in problems[:10]:
                                print("  MISMATCH " + p)
                            failed |= bool(problems)
                            if not problems:
                                print(f"  {name} gives kpic's numbers ({len(ours)} manager-months)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
