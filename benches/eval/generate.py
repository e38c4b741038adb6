#!/usr/bin/env python3
"""Deterministic order data of a sales organisation, for the eval benchmark.

    python3 benches/eval/generate.py --rows 10M --out DIR [--formats csv,parquet]

writes DIR/orders_10M.csv and DIR/orders_10M.parquet. The same seed and row
count give the same bytes on every machine (numpy's PCG64 generator, no clock,
no hash order). Rows are written in chunks of 1M, so 100M rows need no more
memory than 1M.

The shape (docs/performance.md):
- order_id: 1..N, in time order; created_at: a second in 2025, sorted;
- manager: 300 managers, each in one of 6 departments (a fixed mapping), the
  busier ones selling more (a Zipf-like weight);
- city: Moscow about a quarter, then 11 other cities;
- channel: online, store, phone, partner;
- customer_id: about a tenth as many customers as orders;
- units: 1 + a geometric count; amount: long-tailed (log-normal, median about
  8,000 RUB, a few orders above 1,000,000), rounded to kopecks;
- status: paid 85 %, refunded 7 %, cancelled 8 %.
"""

import argparse
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

SEED = 20250101
CHUNK = 1_000_000
YEAR_START = np.datetime64("2025-01-01T00:00:00", "s")
YEAR_SECONDS = 365 * 24 * 3600

MANAGERS = 300
DEPARTMENTS = ["Retail", "Wholesale", "Online", "Corporate", "Export", "Regions"]
CITIES = ["Moscow", "Saint Petersburg", "Kazan", "Novosibirsk", "Yekaterinburg",
          "Nizhny Novgorod", "Samara", "Saratov", "Rostov-on-Don", "Ufa",
          "Krasnoyarsk", "Voronezh"]
CITY_WEIGHTS = [0.25, 0.12, 0.08, 0.07, 0.07, 0.07, 0.06, 0.06, 0.06, 0.06, 0.05, 0.05]
CHANNELS = ["online", "store", "phone", "partner"]
CHANNEL_WEIGHTS = [0.45, 0.30, 0.15, 0.10]
STATUSES = ["paid", "refunded", "cancelled"]
STATUS_WEIGHTS = [0.85, 0.07, 0.08]

SURNAMES = ["Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Petrov",
            "Sokolov", "Mikhailov", "Novikov", "Fedorov", "Morozov", "Volkov",
            "Alekseev", "Lebedev", "Semenov", "Egorov", "Pavlov", "Kozlov",
            "Stepanov", "Nikolaev"]


def managers():
    """300 manager names and the department each belongs to."""
    rng = np.random.default_rng(SEED)
    names = [f"{SURNAMES[i % len(SURNAMES)]}_{i:03d}" for i in range(MANAGERS)]
    departments = [DEPARTMENTS[d] for d in rng.integers(0, len(DEPARTMENTS), MANAGERS)]
    weights = 1.0 / np.arange(1, MANAGERS + 1) ** 0.6
    return names, departments, weights / weights.sum()


def chunk(index, start, rows, total, rng, staff):
    names, departments, weights = staff
    customers = max(1, total // 10)
    # Sorted times: this chunk covers its share of the year.
    lo = int(YEAR_SECONDS * start / total)
    hi = int(YEAR_SECONDS * (start + rows) / total)
    seconds = np.sort(rng.integers(lo, max(hi, lo + 1), rows))
    created = (YEAR_START + seconds.astype("timedelta64[s]")).astype("datetime64[us]")
    manager = rng.choice(MANAGERS, rows, p=weights)
    amount = np.round(np.exp(rng.normal(9.0, 1.1, rows)), 2)
    return pa.table({
        "order_id": pa.array(np.arange(start + 1, start + rows + 1, dtype=np.int64)),
        "created_at": pa.array(created, type=pa.timestamp("us")),
        "manager": pa.DictionaryArray.from_arrays(manager.astype(np.int32), names).cast(pa.string()),
        "department": pa.DictionaryArray.from_arrays(
            manager.astype(np.int32), departments).cast(pa.string()),
        "city": categorical(rng, CITIES, CITY_WEIGHTS, rows),
        "channel": categorical(rng, CHANNELS, CHANNEL_WEIGHTS, rows),
        "customer_id": pa.array(rng.integers(1, customers + 1, rows, dtype=np.int64)),
        "units": pa.array((1 + rng.geometric(0.45, rows) - 1).astype(np.int32)),
        "amount": pa.array(amount),
        "status": categorical(rng, STATUSES, STATUS_WEIGHTS, rows),
    })


def categorical(rng, values, weights, rows):
    codes = rng.choice(len(values), rows, p=weights).astype(np.int32)
    return pa.DictionaryArray.from_arrays(codes, values).cast(pa.string())


def parse_rows(s):
    s = s.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(s[-1:], 1)
    return int(float(s.rstrip("KM")) * scale)


def label(rows):
    return f"{rows // 1_000_000}M" if rows % 1_000_000 == 0 else str(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1M", help="row count: 1M, 10M, 100M, 250K, ...")
    ap.add_argument("--out", required=True, help="directory for the files")
    ap.add_argument("--formats", default="csv,parquet")
    args = ap.parse_args()
    total = parse_rows(args.rows)
    formats = set(args.formats.split(","))
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, f"orders_{label(total)}")
    staff = managers()
    # One generator per chunk, seeded by its index: any chunk can be rebuilt alone.
    csv_writer = parquet_writer = csv_file = None
    csv_options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    for index, start in enumerate(range(0, total, CHUNK)):
        rows = min(CHUNK, total - start)
        rng = np.random.default_rng([SEED, index])
        table = chunk(index, start, rows, total, rng, staff)
        if "csv" in formats:
            text = csv_ready(table)
            if csv_writer is None:
                # A plain header, as spreadsheets and databases write it (Arrow quotes names).
                with open(stem + ".csv.tmp", "w") as f:
                    f.write(",".join(text.schema.names) + "\n")
                csv_file = open(stem + ".csv.tmp", "ab")
                csv_writer = pacsv.CSVWriter(csv_file, text.schema, write_options=csv_options)
            csv_writer.write_table(text)
        if "parquet" in formats:
            if parquet_writer is None:
                parquet_writer = pq.ParquetWriter(stem + ".parquet.tmp", table.schema)
            parquet_writer.write_table(table, row_group_size=CHUNK)
        print(f"\r{start + rows:>12,} / {total:,} rows", end="", file=sys.stderr)
    print(file=sys.stderr)
    for writer, ext in ((csv_writer, ".csv"), (parquet_writer, ".parquet")):
        if writer is not None:
            writer.close()
            if ext == ".csv":
                csv_file.close()
            os.replace(stem + ext + ".tmp", stem + ext)
            print(stem + ext)


def csv_ready(table):
    """Times as `2025-03-01 09:30:00` (the spec's exact format), not ISO with T."""
    i = table.schema.get_field_index("created_at")
    seconds = table.column(i).cast(pa.timestamp("s"))
    text = pc.strftime(seconds, format="%Y-%m-%d %H:%M:%S")
    return table.set_column(i, "created_at", text)


if __name__ == "__main__":
    main()
