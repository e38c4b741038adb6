"""Targets and bands for a KPI, chosen near its actuals so that every status occurs,
and the target that applies to a period as docs/evaluation.md says.

Targets are written as the language writes them (`45%`, `1200 RUB`, `90
minutes`) and read back here by the literal's meaning, not through kpic.
"""

import datetime as dt
import math

from conditions import Lit, plain
from data import CURRENCY
import oracle
from oracle import previous as previous_period
from spec import Target


def choose(rng, kpi, values):
    """Fill in `kpi.targets` and `kpi.warn` from the SQL actuals `values` (not null)."""

    def fixed():
        return quantity(rng, kpi.unit, near(rng, rng.choice(values)) if values else rng.choice([0.0, 1.0, 100.0]))

    def target(direction, previous, since=None):
        if direction == "between":
            return Target(direction, tuple(sorted([fixed(), fixed()], key=lambda q: q.value)), since=since)
        if previous is not False:
            return Target(direction, None, previous=previous, since=since)
        return Target(direction, fixed(), since=since)

    r = rng.random()
    direction = "at_least" if r < 0.4 else "at_most" if r < 0.75 else "between"
    previous = adjustment(rng, kpi.unit) if direction != "between" and rng.random() < 0.15 else False
    kpi.targets = [target(direction, previous)]
    if rng.random() < 0.25:
        # A new target from some day or month on, of the same kind.
        kpi.targets.append(target(direction, previous, since_literal(rng)))
    kpi.warn = warn(rng, kpi.unit) if rng.random() < 0.5 else None


def near(rng, v):
    """An actual itself (a tie), or a round number near it."""
    if rng.random() < 0.4:
        return v
    v *= rng.choice([0.5, 0.9, 0.95, 1.05, 1.1, 2.0])
    if v == 0:
        return v
    digits = rng.choice([1, 2, 4])
    return round(v, digits - 1 - int(math.floor(math.log10(abs(v)))))


def quantity(rng, unit, v):
    """A literal in `unit` close to `v` (in evaluation units: fractions, seconds)."""
    if unit == "count":
        n = max(0, round(v))
        return Lit(float(n), str(n))
    if unit == "ratio":
        if 0 <= v <= 1 and rng.random() < 0.3:
            return Lit(float(plain(v)), plain(v))
        text = plain(v * 100)
        return Lit(float(text) / 100, f"{text}%")
    if unit == "duration":
        if v == round(v / 3600) * 3600 and rng.random() < 0.5:
            return Lit(v, f"{plain(v / 3600)} hours")
        return Lit(float(plain(v)), f"{plain(v)} seconds")
    text = plain(v)
    if unit == "money" and rng.random() < 0.7:
        return Lit(float(text), f"{text} {CURRENCY}")
    return Lit(float(text), text)


def adjustment(rng, unit):
    """`previous`, or `previous` adjusted by an amount or a factor."""
    r = rng.random()
    if r < 0.3:
        return None
    if r < 0.6:
        pct = rng.choice([90, 110, 100, 150])
        return ("*", Lit(pct / 100, f"{pct}%"))
    amount = {"count": 2.0, "number": 2.5, "money": 500.0, "ratio": 0.05, "duration": 7200.0}[unit]
    return (rng.choice("+-"), quantity(rng, unit, amount))


def since_literal(rng):
    """`from` a day or a month, somewhere in the KPI's data."""
    day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 800))
    if rng.random() < 0.5:
        return Lit(day.replace(day=1), f"{day.year}-{day.month:02}")
    return Lit(day, day.isoformat())


def warn(rng, unit):
    """`warn within`: a percent of the target, or an amount in the KPI's unit."""
    if unit == "ratio" or rng.random() < 0.6:
        pct = rng.choice([5, 10, 12.5, 25, 50])
        return ("relative", pct / 100, f"{plain(pct)}%")
    q = quantity(rng, unit, {"count": 3.0, "number": 2.5, "money": 1000.0, "duration": 3600.0}[unit])
    return ("absolute", q.value, q.text)


def target_at(kpi, start, entity, actual_of):
    """The target of a period (its first day) and entity: the last whose `from` has
    started; `previous` reads the previous period's actual. None: no target."""
    started = [t for t in kpi.targets if t.since is None or t.since.value <= start]
    if not started:
        return None, 0.0
    t = started[-1]
    if t.direction == "between":
        return ("between", t.value[0].value, t.value[1].value), 0.0
    if t.previous is False:
        return (t.direction, t.value.value), 0.0
    before = actual_of(previous_period(kpi.grain, start), entity)
    if before is None or before.value is None:
        return None, 0.0
    # A previous actual that rounding may have made no data gives an unknown target.
    value, err = before.value, math.inf if before.shaky else before.err
    if t.previous:
        op, q = t.previous
        # Exact on the decimals, rounded once (docs/evaluation.md, "Arithmetic").
        value = oracle.exact(op, value, q.value)
        if op == "*":
            err = err * abs(q.value)
    return (t.direction, value), err
