#!/usr/bin/env python3
"""Differential test: random data and specs, evaluated by kpic and by DuckDB.

    python3 tests/differential/run.py --kpic target/debug/kpic            # 300 cases, seed 8
    python3 tests/differential/run.py --kpic ... --cases 20000 --seed 42  # the long mode
    python3 tests/differential/run.py --kpic ... --seed 8 --case 137      # one case again
    python3 tests/differential/run.py --kpic ... --engine duckdb          # kpic on DuckDB tables, through ADBC
    python3 tests/differential/run.py --kpic ... --engine postgres --uri postgresql://... --dsn "host=..."
    python3 tests/differential/run.py --kpic ... --engine spark --uri sc://127.0.0.1:15002
    python3 tests/differential/run.py --kpic ... --engine clickhouse      # kpic's ClickHouse SQL in chdb
    python3 tests/differential/run.py --kpic ... --engine clickhouse --sabotage-sql sunday-week   # must fail

Each case is written to its own directory (spec.kpi, the CSV files, the SQL);
the directories of failing cases are kept. docs/fuzzing.md describes the test.
"""

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# No __pycache__ in the checkout.
sys.dont_write_bytecode = True

import duckdb  # noqa: E402

import compare  # noqa: E402
import engines  # noqa: E402
import oracle  # noqa: E402
import spec  # noqa: E402
import targets  # noqa: E402

SHOWN = 5


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kpic", required=True, help="the kpic binary")
    p.add_argument("--cases", type=int, default=300)
    p.add_argument("--seed", type=int, default=8)
    p.add_argument("--case", type=int, help="run only this case of the seed")
    p.add_argument("--out", type=Path, help="where cases are written (default: a temporary directory)")
    p.add_argument("--keep", action="store_true", help="keep every case's directory, not only failing ones")
    p.add_argument("--max-failures", type=int, help="stop after this many failing cases")
    p.add_argument("--sabotage", choices=oracle.SABOTAGES, help="make the oracle wrong on purpose: the run must fail")
    p.add_argument("--engine", choices=engines.ENGINES, default="files", help="where kpic reads the data (engines.py)")
    p.add_argument("--driver", help="the ADBC driver of --engine duckdb, postgres or spark (default: .ci/setup's)")
    p.add_argument("--uri", help="--engine postgres or spark: the server, as kpic connects to it")
    p.add_argument("--dsn", help="--engine postgres: the server, as psycopg connects to it to load the tables")
    p.add_argument("--sabotage-sql", choices=list(engines.SQL_SABOTAGES),
                   help="with --engine clickhouse: make kpic's SQL wrong on purpose: the run must fail")
    args = p.parse_args()
    if args.engine in ("postgres", "spark") and not args.uri or args.engine == "postgres" and not args.dsn:
        p.error(f"--engine {args.engine} needs --uri" + (" and --dsn" if args.engine == "postgres" else ""))
    args.clickhouse = engines.clickhouse_session() if args.engine == "clickhouse" else None
    oracle.sabotage = args.sabotage

    out = args.out or Path(tempfile.mkdtemp(prefix="kpic-differential-"))
    out.mkdir(parents=True, exist_ok=True)
    numbers = [args.case] if args.case is not None else list(range(args.cases))
    con = duckdb.connect()
    stats, failed, kpis, started = compare.Stats(), [], 0, time.monotonic()
    for n in numbers:
        directory = out / f"seed{args.seed}-case{n}"
        problems, kpi_count = run_case(args, con, n, directory, stats)
        kpis += kpi_count
        if problems:
            (directory / "differences.txt").write_text("\n".join(problems) + "\n")
            failed.append(n)
            if len(failed) <= SHOWN:
                report(args, n, directory, problems)
            if len(failed) == args.max_failures:
                numbers = numbers[: numbers.index(n) + 1]
                break
        elif not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    took = time.monotonic() - started
    print(
        f"differential: seed {args.seed} on {args.engine}, {len(numbers)} cases, {kpis} KPIs, {stats.rows} rows compared "
        f"({stats.boundary} on a threshold up to rounding, {stats.shaky} with a denominator zero up to rounding), "
        f"{len(failed)} failing, {took:.1f} s"
    )
    print("statuses: " + ", ".join(f"{s} {stats.statuses[s]}" for s in ("met", "at_risk", "missed", "no_data")))
    if failed:
        print(f"failing cases: {', '.join(map(str, failed))}; their files are in {out}")
        sys.exit(1)
    if args.out is None and not args.keep:
        shutil.rmtree(out, ignore_errors=True)


def run_case(args, con, n, directory, stats):
    """Generate, evaluate both ways and compare one case: (problems, number of KPIs)."""
    rng = random.Random(f"{args.seed}/{n}")
    case = spec.make_case(rng)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for s in case.sources:
        s.write_csv(directory / s.file)
    if args.engine != "files":
        engines.round_money(case, directory)
    oracle.load(con, case.sources, directory)
    expected, sqls = {}, []
    for k in case.kpis:
        sql, acts = oracle.actuals(con, k, case.sources)
        sqls.append(f"-- {k.name}\n{sql};\n")
        targets.choose(rng, k, [a for a, _ in acts.values() if a is not None])
        expected[k.name] = compare.expected_rows(k, acts)
    (directory / "oracle.sql").write_text("\n".join(sqls))
    spec_path = directory / "spec.kpi"
    spec_path.write_text(case.spec())
    if args.engine == "clickhouse":
        # kpic's SQL against kpic's polars backend; the oracle judged the latter.
        problems = engines.sql_level(args.kpic, case, directory, spec_path, args.clickhouse, args.sabotage_sql)
        if problems:
            return problems, len(case.kpis)
    if args.engine in engines.DRIVERS:
        run = engines.kpic_on_engine(args, case, directory, spec_path)
    else:
        run = subprocess.run([args.kpic, "eval", str(spec_path), "--format", "json"], capture_output=True, text=True)
    if run.returncode != 0:
        return [f"kpic eval exited with {run.returncode}:\n{run.stderr}"], len(case.kpis)
    got = {k["name"]: k for k in json.loads(run.stdout)["kpis"]}
    case_stats = compare.Stats()
    for k in case.kpis:
        if k.name not in got:
            case_stats.problems.append(f"{k.name}: not in kpic's output")
            continue
        compare.compare_kpi(k, expected[k.name], got[k.name], case_stats)
    stats.rows += case_stats.rows
    stats.shaky += case_stats.shaky
    stats.boundary += case_stats.boundary
    stats.statuses.update(case_stats.statuses)
    return case_stats.problems, len(case.kpis)


def report(args, n, directory, problems):
    print(f"=== case {n} (seed {args.seed}): {len(problems)} difference(s); files in {directory}")
    print(f"    again: python3 tests/differential/run.py --kpic {args.kpic} --seed {args.seed} --case {n}")
    print((directory / "spec.kpi").read_text())
    print(f"--- the oracle's SQL ({directory / 'oracle.sql'}):")
    print((directory / "oracle.sql").read_text())
    print("--- differences:")
    for line in problems[:40]:
        print("   ", line)
    if len(problems) > 40:
        print(f"    ... and {len(problems) - 40} more")


if __name__ == "__main__":
    main()
