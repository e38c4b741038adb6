"""Random data for the differential test: one or two sources, written as CSV.

Data has what breaks aggregates: nulls (sometimes a whole column), zeros,
negatives, ties (values drawn from a small pool), very large and very small
magnitudes, int64 values whose sums overflow 64 bits, empty periods and
entities missing from some periods, several months and a year boundary, times
at midnight and just before it, text with commas and quotes.
"""

import csv
import datetime as dt
from dataclasses import dataclass, field

CURRENCY = "RUB"
TEXT_VALUES = {
    "region": ["north", "south", "east", "far, west", "O'Brien \"yard\"", "Москва"],
    "channel": ["web", "shop", "phone"],
    "status": ["paid", "refunded", "cancelled", "paid "],
}
DURATION_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}


@dataclass
class Column:
    name: str
    # int, float, money, percent, duration, text, bool, date, datetime
    ty: str
    # the currency of money, the unit of a duration
    arg: str | None = None
    # strftime pattern of a date or datetime column, None for the default
    fmt: str | None = None

    def decl(self, time=False):
        ty = self.ty
        if self.ty == "money":
            ty = f"money({self.arg})"
        elif self.ty == "duration":
            ty = f"duration({self.arg})"
        text = f"{'time ' if time else ''}{self.name}: {ty}"
        if self.fmt is not None:
            text += f' format "{self.fmt}"'
        return text

    @property
    def numeric(self):
        return self.ty in ("int", "float", "money", "percent", "duration")

    @property
    def temporal(self):
        return self.ty in ("date", "datetime")

    @property
    def unit(self):
        """The unit of an aggregate of this column (sema's rules, docs/language.md)."""
        return {"int": "number", "float": "number", "money": "money", "percent": "ratio", "duration": "duration"}.get(
            self.ty
        )

    def pattern(self):
        if self.fmt is not None:
            return self.fmt
        return "%Y-%m-%d" if self.ty == "date" else "%Y-%m-%d %H:%M:%S"


@dataclass
class Source:
    name: str
    file: str
    time: str
    columns: list
    # one dict per row: column name to a Python value or None
    rows: list = field(default_factory=list)

    def column(self, name):
        return next(c for c in self.columns if c.name == name)

    def decl(self):
        lines = [f'source {self.name} from "{self.file}" {{']
        lines += [f"  {c.decl(c.name == self.time)}" for c in self.columns]
        return "\n".join(lines + ["}"])

    def write_csv(self, path):
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow([c.name for c in self.columns])
            for row in self.rows:
                w.writerow([cell(c, row[c.name]) for c in self.columns])


def cell(c, v):
    if v is None:
        return ""
    if c.ty == "bool":
        return "true" if v else "false"
    if c.temporal:
        return v.strftime(c.pattern())
    if c.ty == "int":
        return str(v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def make_sources(rng):
    """`orders` always; `visits` (another source with some of the same dimensions) often."""
    t_type = rng.choice(["datetime", "datetime", "date"])
    formats = [None, None, "%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M:%S"] if t_type == "datetime" else [None, "%d/%m/%Y"]
    t_fmt = rng.choice(formats)
    orders = Source(
        "orders",
        "orders.csv",
        "t",
        [
            Column("t", t_type, fmt=t_fmt),
            Column("region", "text"),
            Column("channel", "text"),
            Column("status", "text"),
            Column("units", "int"),
            Column("amount", "money", CURRENCY),
            Column("cost", "money", CURRENCY),
            Column("score", "float"),
            Column("share", "percent"),
            Column("wait", "duration", rng.choice(["hours", "days", "minutes"])),
            Column("vip", "bool"),
            Column("due", "date"),
        ],
    )
    days, huge_ints = timeline(rng), rng.random() < 0.1
    rows = rng.choices([0, 1, 3, 12, 40, 100, 200, 300, 500], weights=[1, 1, 1, 2, 3, 3, 3, 3, 2])[0]
    fill(rng, orders, days, rows, huge_ints)
    sources = [orders]
    if rng.random() < 0.5:
        columns = [Column("at", rng.choice(["date", "datetime"])), Column("region", "text")]
        if rng.random() < 0.6:
            columns.append(Column("channel", "text"))
        columns += [Column("n", "int"), Column("spend", "money", CURRENCY)]
        visits = Source("visits", "visits.csv", "at", columns)
        # Its own days, overlapping the orders': periods and entities only one source has.
        fill(rng, visits, timeline(rng) if rng.random() < 0.3 else days, rng.choice([1, 10, 60, 200]), huge_ints)
        sources.append(visits)
    return sources


def timeline(rng):
    """The days rows fall on: a few months (sometimes one day, sometimes over a year), with gaps."""
    start = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 540))
    span = rng.choices([1, 5, 45, 100, 200, 420], weights=[1, 2, 4, 4, 4, 2])[0]
    days = [start + dt.timedelta(days=i) for i in range(span)]
    if span > 5 and rng.random() < 0.6:
        # A stretch without rows: empty weeks, months, even quarters.
        a = rng.randrange(0, span)
        b = min(span, a + rng.randrange(1, max(2, span // 2)))
        days = days[:a] + days[b:] or days[:1]
    return days


def fill(rng, src, days, n, huge_ints):
    null_rate = {c.name: rng.choices([0.0, 0.05, 0.2, 0.5, 1.0], weights=[6, 3, 2, 1, 0.3])[0] for c in src.columns}
    null_rate[src.time] = 0.0
    pools = {c.name: [value(rng, c, days, huge_ints) for _ in range(rng.choice([2, 4, 8]))] for c in src.columns}
    # A few favourite days and entities, so that groups have ties and sizes differ.
    hot_days = [rng.choice(days) for _ in range(3)]
    for _ in range(n):
        row = {}
        for c in src.columns:
            if c.name == src.time:
                day = rng.choice(hot_days) if rng.random() < 0.3 else rng.choice(days)
                row[c.name] = moment(rng, c, day)
            elif rng.random() < null_rate[c.name]:
                row[c.name] = None
            elif rng.random() < 0.4:
                row[c.name] = rng.choice(pools[c.name])
            else:
                row[c.name] = value(rng, c, days, huge_ints)
        src.rows.append(row)


def moment(rng, c, day):
    if c.ty == "date":
        return day
    if c.fmt == "%d.%m.%Y %H:%M":
        seconds = rng.randrange(0, 24 * 60) * 60
    else:
        seconds = rng.choice([0, 0, 86399, 43200]) if rng.random() < 0.3 else rng.randrange(0, 86400)
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


def value(rng, c, days, huge_ints):
    if c.ty == "text":
        return rng.choice(TEXT_VALUES.get(c.name, TEXT_VALUES["region"]))
    if c.ty == "bool":
        return rng.random() < 0.5
    if c.ty == "date":
        return rng.choice(days) + dt.timedelta(days=rng.randrange(-10, 10))
    if c.ty == "datetime":
        return moment(rng, c, rng.choice(days))
    if c.ty == "int":
        r = rng.random()
        if huge_ints and r < 0.15:
            # Near the int64 limit: sums overflow 64-bit integers.
            return rng.choice([1, -1]) * rng.randrange(2**61, 2**63 - 1)
        if r < 0.2:
            return 0
        if r < 0.3:
            return rng.randrange(10**9, 10**13)
        return rng.randrange(-20, 100)
    if c.ty == "percent":
        return rng.choice([0.0, 12.5, 100.0, 33.3, -5.0, 150.0, round(rng.uniform(0, 100), 1)])
    if c.ty == "duration":
        return rng.choice([0.0, 0.5, 1.0, 0.1, 24.0, 72.25, round(rng.uniform(0, 48), 2)])
    return number(rng)


def number(rng):
    """A money or float value: mostly ordinary, sometimes extreme."""
    r = rng.random()
    if r < 0.1:
        # Negative zero equals zero: one value for count_distinct, a tie for `==`.
        return rng.choice([0.0, -0.0])
    if r < 0.2:
        return -float(rng.randrange(1, 5000))
    if r < 0.45:
        return float(rng.randrange(0, 200))
    if r < 0.65:
        return rng.randrange(0, 10**6) / 100
    if r < 0.75:
        return rng.randrange(1, 8) * 0.5
    if r < 0.83:
        return float(rng.randrange(10**9, 10**12))
    if r < 0.9:
        return rng.choice([1e-9, 3.5e-7, 0.001, 2.5e-5])
    if r < 0.95:
        return rng.choice([1e15, 9.007199254740993e15, -4e14])
    return rng.uniform(-1000, 1000)
