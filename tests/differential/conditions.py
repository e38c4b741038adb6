"""Conditions for the differential test: comparisons with literals (often a
value of the data, so ties are common) and between columns, `in` lists,
ranges, `is null`, `and`, `or`, `not`, constants and named filters.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from data import CURRENCY, DURATION_SECONDS, Column, Source, value


@dataclass
class Lit:
    """A literal in a condition or target: the value it stands for, and how it is written."""

    value: object
    text: str


@dataclass
class Cond:
    # cmp, in, range, null, and, or, not, const, ref
    kind: str
    args: tuple

    def kpi(self):
        k, a = self.kind, self.args
        if k == "cmp":
            lhs, op, rhs = a
            return f"{operand_kpi(lhs)} {op} {operand_kpi(rhs)}"
        if k == "in":
            col, neg, items = a
            return f"{col.kpi} {'not ' if neg else ''}in [{', '.join(i.text for i in items)}]"
        if k == "range":
            col, neg, lo, hi = a
            return f"{col.kpi} {'not ' if neg else ''}in {lo.text} .. {hi.text}"
        if k == "null":
            col, neg = a
            return f"{col.kpi} is {'not ' if neg else ''}null"
        if k in ("and", "or"):
            return f"({a[0].kpi()} {k} {a[1].kpi()})"
        if k == "not":
            return f"not {a[0].kpi()}"
        if k == "const":
            return "true" if a[0] else "false"
        return a[0].name


@dataclass
class ColRef:
    source: Source
    col: Column

    @property
    def kpi(self):
        return f"{self.source.name}.{self.col.name}"


def operand_kpi(o):
    return o.kpi if isinstance(o, ColRef) else o.text


@dataclass
class Filter:
    name: str
    source: Source
    cond: Cond


def plain(x):
    """A float as the language writes numbers: positional, no exponent, exact round trip."""
    text = format(Decimal(repr(float(x))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def literal(rng, src, c):
    """A literal for column `c`, often one of its values (ties with the data)."""
    present = [r[c.name] for r in src.rows if r[c.name] is not None]
    if present and rng.random() < 0.7:
        v = rng.choice(present)
    else:
        times = [r[src.time] for r in src.rows]
        days = [t.date() if isinstance(t, dt.datetime) else t for t in times] or [dt.date(2025, 1, 1)]
        v = value(rng, c, days, False)
    if c.ty == "text":
        escaped = v.replace("\\", "\\\\").replace('"', '\\"')
        return Lit(v, f'"{escaped}"')
    if c.ty == "bool":
        return Lit(v, "true" if v else "false")
    if c.ty == "int":
        v = v if abs(v) < 10**6 else rng.randrange(-5, 50)
        return Lit(float(v), str(v))
    if c.ty == "percent":
        return Lit(v / 100.0, f"{plain(v)}%")
    if c.ty == "duration":
        return duration_literal(rng, v, c.arg)
    if c.ty in ("money", "float"):
        text = plain(v)
        if c.ty == "money" and rng.random() < 0.5:
            text += f" {CURRENCY}"
        return Lit(v, text)
    # Temporal: a date, or a date and time against a datetime column.
    if isinstance(v, dt.datetime) and rng.random() < 0.5:
        if v.second == 0 and rng.random() < 0.5:
            return Lit(v, v.strftime("%Y-%m-%d %H:%M"))
        return Lit(v, v.strftime("%Y-%m-%dT%H:%M:%S"))
    day = v.date() if isinstance(v, dt.datetime) else v
    return Lit(day, day.isoformat())


def duration_literal(rng, v, unit):
    """`v` in `unit` written in that unit or in a finer one that states it exactly."""
    seconds = v * DURATION_SECONDS[unit]
    finer = [
        u for u, s in DURATION_SECONDS.items() if s <= DURATION_SECONDS[unit] and float(int(seconds / s)) * s == seconds
    ]
    word = rng.choice(finer) if finer and rng.random() < 0.5 else unit
    n = v if word == unit else seconds / DURATION_SECONDS[word]
    return Lit(n * DURATION_SECONDS[word], f"{plain(n)} {word}")


def condition(rng, src, filters, depth=0):
    r = rng.random()
    mine = [f for f in filters if f.source is src]
    if depth < 2 and r < 0.25:
        op = rng.choice(["and", "or"])
        return Cond(op, (condition(rng, src, filters, depth + 1), condition(rng, src, filters, depth + 1)))
    if depth < 3 and r < 0.32:
        return Cond("not", (condition(rng, src, filters, depth + 1),))
    if mine and r < 0.42:
        return Cond("ref", (rng.choice(mine),))
    if r < 0.44:
        return Cond("const", (rng.random() < 0.5,))
    return leaf(rng, src)


def leaf(rng, src):
    # The time column often: periods and date bounds are where specs go wrong.
    c = src.column(src.time) if rng.random() < 0.25 else rng.choice(src.columns)
    ref = ColRef(src, c)
    r = rng.random()
    if r < 0.12:
        return Cond("null", (ref, rng.random() < 0.5))
    if c.ty in ("text", "int") and r < 0.35:
        items = [literal(rng, src, c) for _ in range(rng.randrange(1, 4))]
        return Cond("in", (ref, rng.random() < 0.4, items))
    if c.ty not in ("text", "bool") and r < 0.5:
        lo, hi = literal(rng, src, c), literal(rng, src, c)
        if order_key(lo.value) > order_key(hi.value) and rng.random() < 0.8:
            lo, hi = hi, lo
        return Cond("range", (ref, rng.random() < 0.3, lo, hi))
    if c.ty == "bool":
        return Cond("cmp", (ref, rng.choice(["==", "!="]), literal(rng, src, c)))
    op = rng.choice(["==", "!=", "<", "<=", ">", ">="] if c.ty != "text" else ["==", "==", "!=", "<", ">="])
    other = comparable_columns(src, c)
    if other and rng.random() < 0.25:
        return Cond("cmp", (ref, op, ColRef(src, rng.choice(other))))
    lit = literal(rng, src, c)
    if rng.random() < 0.2:
        return Cond("cmp", (lit, op, ref))
    return Cond("cmp", (ref, op, lit))


def order_key(v):
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime.combine(v, dt.time())
    return v


def comparable_columns(src, c):
    number = ("int", "float")
    return [
        o
        for o in src.columns
        if o is not c
        and (
            (o.ty == c.ty and o.ty in ("money", "percent", "duration"))
            or (o.ty in number and c.ty in number)
            or (o.temporal and c.temporal)
        )
    ]
