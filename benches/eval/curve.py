#!/usr/bin/env python3
"""How kpic's time grows with the number of KPIs on one source, and with rows.

    python3 benches/eval/curve.py [--rows 10M] [--kpis 1,4,5,10,20] [--runs 3]

Writes specs with the first N KPIs of a list of twenty (the ten of sales.kpi and
ten more: per-channel revenue, per-city orders, units of big orders, ...), all
on the same order file, and prints kpic's median wall time for each N, on CSV
and on Parquet. With --rows 1M,10M,100M and --kpis 10 it gives the row curve.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate  # noqa: E402  (row counts)
import run  # noqa: E402  (data files and the kpic binary)

HEAD = open(os.path.join(HERE, "sales.kpi")).read().split("kpi revenue_kpi")[0]

# name, metric expression, target: twenty KPIs over the one source.
KPIS = [
    ("revenue", "revenue", ">= 20_000_000 RUB"),
    ("units", "units_sold", ">= 3_000"),
    ("orders", "paid_orders", ">= 1_350"),
    ("avg_check", "avg_check", ">= 14_700 RUB"),
    ("buyers", "buyers", ">= 1_350"),
    ("moscow", "moscow_share", ">= 25%"),
    ("refunds", "refund_rate", "<= 7.5%"),
    ("big_orders", "big_orders", ">= 15"),
    ("online", "online_revenue", ">= 9_000_000 RUB"),
    ("largest", "largest_order", ">= 300_000 RUB"),
    ("store_revenue", 'sum(orders.amount) where paid and orders.channel == "store"', ">= 5_000_000 RUB"),
    ("phone_revenue", 'sum(orders.amount) where paid and orders.channel == "phone"', ">= 2_000_000 RUB"),
    ("kazan_orders", 'count(orders where paid and orders.city == "Kazan")', ">= 100"),
    ("spb_orders", 'count(orders where paid and orders.city == "Saint Petersburg")', ">= 150"),
    ("cancel_rate", 'count(orders where orders.status == "cancelled") / count(orders)', "<= 8%"),
    ("big_units", "sum(orders.units) where paid and big", ">= 30"),
    ("smallest", "min(orders.amount) where paid", "<= 200 RUB"),
    ("moscow_revenue", "sum(orders.amount) where paid and moscow", ">= 5_000_000 RUB"),
    ("units_per_order", "units_sold / paid_orders", ">= 200%"),
    ("partner_share", 'count(orders where orders.channel == "partner") / count(orders)', ">= 10%"),
]


def spec(n):
    out = [HEAD]
    for name, metric, target in KPIS[:n]:
        out.append(f"kpi {name}_kpi {{\n  metric {metric}\n  per month\n  by manager\n  target {target}\n}}\n\n")
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="10M")
    ap.add_argument("--kpis", default="1,4,5,10,20")
    ap.add_argument("--formats", default="parquet,csv")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", default=run.DATA)
    ap.add_argument("--kpic", default=run.KPIC)
    args = ap.parse_args()
    print(f"{'rows':>5} {'format':8} {'KPIs':>4} {'wall s':>8} {'peak MiB':>9} {'s per 1M rows':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows.split(","):
            for fmt in args.formats.split(","):
                path = run.data_file(args, rows, fmt)
                for n in map(int, args.kpis.split(",")):
                    spec_path = os.path.join(tmp, f"curve_{n}.kpi")
                    with open(spec_path, "w") as f:
                        f.write(spec(n))
                    cmd = [args.kpic, "--allow-outside-project", "eval", spec_path, "--data", f"orders={path}",
                           "--format", "json", "--output", os.path.join(tmp, "out.json")]
                    walls, peak = [], 0.0
                    for _ in range(args.runs):
                        wall, _, rss, _ = run.measure(cmd)
                        walls.append(wall)
                        peak = max(peak, rss)
                    wall = statistics.median(walls)
                    millions = generate.parse_rows(rows) / 1e6
                    print(f"{rows:>5} {fmt:8} {n:>4} {wall:8.2f} {peak:9.0f} {wall / millions:14.3f}", flush=True)


if __name__ == "__main__":
    main()
