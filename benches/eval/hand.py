#!/usr/bin/env python3
"""The eval benchmark's workload written by hand, as a user would instead of kpic.

    python3 benches/eval/hand.py polars|duckdb|floor PATH [--out RESULT.csv]

`polars` is a lazy polars query, `duckdb` DuckDB SQL, both computing what
benches/eval/sales.kpi computes: ten KPI actuals per manager and month, and the
sales_manager scorecard's score, payout coefficient and bonus. `floor` only reads
the columns the workload uses, in one pass, and keeps nothing: no engine can do
the work in less time than that.

Each prints one JSON line on stdout with the seconds spent in the query itself
(after imports, so the interpreter's start is not counted against the engine)
and writes its results to --out as CSV (one line per manager and month, the
columns of COLUMNS), which benches/eval/run.py compares with kpic's output.
"""

import argparse
import json
import time

# The KPIs of sales.kpi: name, target, direction. Keep in step with the spec.
KPIS = [
    ("revenue_kpi", 20_000_000, ">="),
    ("units_kpi", 3_000, ">="),
    ("orders_kpi", 1_350, ">="),
    ("avg_check_kpi", 14_700, ">="),
    ("buyers_kpi", 1_350, ">="),
    ("moscow_kpi", 0.25, ">="),
    ("refund_kpi", 0.075, "<="),
    ("big_orders_kpi", 15, ">="),
    ("online_kpi", 9_000_000, ">="),
    ("largest_order_kpi", 300_000, ">="),
]
# The scorecard: weights, cap, gate, base; payout 0 below 80 %, linear 0.5..1.0
# from 80 % to 100 %, 1.0 above.
WEIGHTS = {"revenue_kpi": 0.30, "orders_kpi": 0.15, "avg_check_kpi": 0.15, "buyers_kpi": 0.15,
           "moscow_kpi": 0.10, "refund_kpi": 0.10, "big_orders_kpi": 0.05}
CAP = 1.2
BASE = 60_000
COLUMNS = ["manager", "month"] + [k for k, _, _ in KPIS] + ["score", "coefficient", "bonus"]
USED = ["created_at", "manager", "city", "channel", "customer_id", "units", "amount", "status"]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def run_polars(path):
    import polars as pl

    if path.endswith(".parquet"):
        lf = pl.scan_parquet(path)
    else:
        # A careful user: the types given, the one time format spelled out.
        lf = pl.scan_csv(path, schema_overrides={
            "order_id": pl.Int64, "created_at": pl.String, "customer_id": pl.Int64,
            "units": pl.Int64, "amount": pl.Float64,
        }).with_columns(pl.col("created_at").str.to_datetime(TIME_FORMAT))
    paid = pl.col("status") == "paid"
    count = lambda cond: cond.sum().cast(pl.Float64)  # noqa: E731
    # sum() of no rows is 0 in polars but null in SQL and kpic: null it out.
    sum_where = lambda c, cond: pl.when(cond.any()).then(pl.col(c).filter(cond).sum())  # noqa: E731
    actuals = (
        lf.group_by(pl.col("manager"), pl.col("created_at").dt.truncate("1mo").dt.date().alias("month"))
        .agg(
            revenue_kpi=sum_where("amount", paid),
            units_kpi=sum_where("units", paid).cast(pl.Float64),
            orders_kpi=count(paid),
            buyers_kpi=pl.col("customer_id").filter(paid).n_unique().cast(pl.Float64),
            moscow=count(pl.col("city") == "Moscow"),
            rows=pl.len().cast(pl.Float64),
            refunded=count(pl.col("status") == "refunded"),
            delivered=count(pl.col("status").is_in(["paid", "refunded"])),
            big_orders_kpi=count(paid & (pl.col("amount") >= 100_000)),
            online_kpi=sum_where("amount", paid & (pl.col("channel") == "online")),
            largest_order_kpi=pl.col("amount").filter(paid).max(),
        )
        .with_columns(
            avg_check_kpi=ratio(pl, "revenue_kpi", "orders_kpi"),
            moscow_kpi=ratio(pl, "moscow", "rows"),
            refund_kpi=ratio(pl, "refunded", "delivered"),
        )
    )
    scored = polars_scorecard(pl, actuals)
    return scored.select(COLUMNS).sort("manager", "month").collect()


def ratio(pl, a, b):
    return pl.when(pl.col(b) != 0).then(pl.col(a) / pl.col(b))


def polars_scorecard(pl, lf):
    parts, weights, missed_gate = [], [], None
    for name, target, direction in KPIS:
        if name not in WEIGHTS:
            continue
        a = pl.col(name)
        if direction == ">=":
            att = pl.when(a.is_not_null()).then(a / target)
        else:  # lower is better: target / actual; an actual of 0 is met, counted as the cap
            att = pl.when(a > 0).then(target / a).when(a == 0).then(CAP)
        counted = pl.min_horizontal(att, pl.lit(CAP))
        parts.append(counted * WEIGHTS[name])
        weights.append(pl.when(counted.is_not_null()).then(WEIGHTS[name]))
        if name == "revenue_kpi":
            # The gate is shut when revenue is missed: below the at-risk band
            # (`warn within 10%`); at risk still pays.
            missed_gate = a.is_null() | (a < target * 0.9)
    total_weight = pl.sum_horizontal(weights)
    score = pl.when(total_weight > 0).then(pl.sum_horizontal(parts) / total_weight)
    curve = (pl.when(score < 0.8).then(0.0)
             .when(score < 1.0).then(0.5 + (score - 0.8) / 0.2 * 0.5)
             .otherwise(1.0))
    coefficient = pl.when(missed_gate).then(0.0).otherwise(curve)
    return lf.with_columns(score=score, coefficient=coefficient).with_columns(bonus=bonus(pl.col("coefficient")))


def run_duckdb(path):
    import duckdb

    con = duckdb.connect()
    # What a user types: the reader finds the columns and their types itself.
    source = f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}')"
    sql = workload_sql(source)
    df = con.sql(sql).pl()
    import polars as pl
    return df.with_columns(bonus=bonus(pl.col("coefficient"))).select(COLUMNS)


def bonus(coefficient):
    """The bonus as kpic pays it: the base times the coefficient, rounded half
    away from zero to the kopeck (docs/scorecards.md)."""
    import polars as pl
    from decimal import ROUND_HALF_UP, Decimal

    def kopecks(v):
        return None if v is None else float(Decimal(repr(v)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    return (coefficient * BASE).map_elements(kopecks, return_dtype=pl.Float64)


def workload_sql(source, group="GROUP BY ALL", double="DOUBLE"):
    """The workload in one SQL statement: actuals, scores and the payout
    coefficient (benches/warehouse/run.py writes it for other engines)."""
    kpi_cols = ", ".join(k for k, _, _ in KPIS)
    return f"""
    WITH actuals AS (
      SELECT manager, CAST(date_trunc('month', created_at) AS DATE) AS month,
        CAST(sum(amount) FILTER (WHERE status = 'paid') AS {double}) AS revenue_kpi,
        CAST(sum(units) FILTER (WHERE status = 'paid') AS {double}) AS units_kpi,
        CAST(count(*) FILTER (WHERE status = 'paid') AS {double}) AS orders_kpi,
        CAST(count(DISTINCT customer_id) FILTER (WHERE status = 'paid') AS {double}) AS buyers_kpi,
        CAST(count(*) FILTER (WHERE city = 'Moscow') AS {double}) / count(*) AS moscow_kpi,
        CAST(count(*) FILTER (WHERE status = 'refunded') AS {double})
          / NULLIF(count(*) FILTER (WHERE status IN ('paid', 'refunded')), 0) AS refund_kpi,
        CAST(count(*) FILTER (WHERE status = 'paid' AND amount >= 100000) AS {double}) AS big_orders_kpi,
        CAST(sum(amount) FILTER (WHERE status = 'paid' AND channel = 'online') AS {double}) AS online_kpi,
        CAST(max(amount) FILTER (WHERE status = 'paid') AS {double}) AS largest_order_kpi
      FROM {source}
      {group}
    ), derived AS (
      SELECT *, revenue_kpi / NULLIF(orders_kpi, 0) AS avg_check_kpi FROM actuals
    ), counted AS (
      SELECT *, {counted_sql()} FROM derived
    ), scored AS (
      SELECT *, ({weighted_sql()}) / NULLIF({weights_sql()}, 0) AS score FROM counted
    )
    SELECT manager, month, {kpi_cols}, score,
      CASE WHEN revenue_kpi IS NULL OR revenue_kpi < 20000000 * 0.9 THEN 0.0
           WHEN score < 0.8 THEN 0.0
           WHEN score < 1.0 THEN 0.5 + (score - 0.8) / 0.2 * 0.5
           ELSE 1.0 END AS coefficient
    FROM scored ORDER BY manager, month
    """


def counted_sql():
    out = []
    for name, target, direction in KPIS:
        if name not in WEIGHTS:
            continue
        if direction == ">=":
            att = f"{name} / {target}"
        else:
            att = f"CASE WHEN {name} > 0 THEN {target} / {name} WHEN {name} = 0 THEN {CAP} END"
        out.append(f"least({att}, {CAP}) AS c_{name}")
    return ", ".join(out)


def weighted_sql():
    return " + ".join(f"coalesce(c_{n} * {w}, 0)" for n, w in WEIGHTS.items())


def weights_sql():
    return " + ".join(f"CASE WHEN c_{n} IS NOT NULL THEN {w} ELSE 0 END" for n, w in WEIGHTS.items())


def run_floor(path):
    import polars as pl

    if path.endswith(".parquet"):
        lf = pl.scan_parquet(path).select(USED)
    else:
        lf = pl.scan_csv(path, schema_overrides={"created_at": pl.String, "customer_id": pl.Int64,
                                                 "units": pl.Int64, "amount": pl.Float64}).select(USED)
    # One pass that reads every value of the used columns and computes nothing.
    return lf.collect()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("engine", choices=["polars", "duckdb", "floor"])
    ap.add_argument("path")
    ap.add_argument("--out")
    args = ap.parse_args()
    run = {"polars": run_polars, "duckdb": run_duckdb, "floor": run_floor}[args.engine]
    start = time.perf_counter()
    df = run(args.path)
    seconds = time.perf_counter() - start
    if args.out and args.engine != "floor":
        df.write_csv(args.out)
    print(json.dumps({"engine": args.engine, "query_seconds": seconds, "rows": df.height}))


if __name__ == "__main__":
    main()
