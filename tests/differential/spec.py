"""Random specs for the differential test.

A spec is a tree of Python objects (`Agg`, `Bin`, `Cond`, ...) that renders
both to .kpi text (here) and to SQL (oracle.py), so the two sides read one
definition. Specs have named and inline filters, every aggregate, derived
ratios and arithmetic (also across the two sources), trailing `where`s,
offsets and `change`, every grain, zero to two `by` dimensions, and targets of
every direction with and without bands (targets.py, once the actuals are known).
"""

from dataclasses import dataclass, field

from conditions import Cond, Filter, Lit, condition, plain
from data import Column, Source, make_sources

GRAINS = ["day", "week", "month", "quarter", "year"]
# Offsets that step whole periods of each grain (a coarser grain that contains them).
OFFSET_STEPS = {
    "day": ["day", "week", "month"],
    "week": ["week"],
    "month": ["month", "quarter", "year"],
    "quarter": ["quarter", "year"],
    "year": ["year"],
}


@dataclass
class Agg:
    func: str
    source: Source
    col: Column | None = None
    cond: Cond | None = None
    param: float | None = None

    @property
    def unit(self):
        return "count" if self.func in ("count", "count_distinct") else self.col.unit


@dataclass
class Const:
    value: float
    text: str
    unit: str = "scalar"


@dataclass
class Bin:
    op: str
    lhs: object
    rhs: object


@dataclass
class Neg:
    inner: object


@dataclass
class Offset:
    inner: object
    n: int
    step: str


@dataclass
class Change:
    inner: object


@dataclass
class MetricRef:
    metric: object


@dataclass
class Where:
    """A trailing `where`: filters the aggregates of `inner` written here, not those of referenced metrics."""

    inner: object
    cond: Cond


@dataclass
class Metric:
    name: str
    expr: object
    where: Cond | None = None

    def decl(self):
        text = f"metric {self.name} = {render(self.expr)}"
        return text + (f" where {self.where.kpi()}" if self.where else "")

    def body(self):
        return Where(self.expr, self.where) if self.where else self.expr


PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def render(e, parent=0, right=False):
    if isinstance(e, Agg):
        arg = f"{e.source.name}.{e.col.name}" if e.col else e.source.name
        if e.cond is not None:
            arg += f" where {e.cond.kpi()}"
        if e.param is not None:
            arg += f", {plain(e.param)}"
        return f"{e.func}({arg})"
    if isinstance(e, Const):
        return e.text
    if isinstance(e, MetricRef):
        return e.metric.name
    if isinstance(e, Neg):
        # One `-` per factor: `-(-x)`, and `(-x)[-1 month]` keeps the offset outside.
        text = f"-{render(e.inner, 3)}"
        return f"({text})" if parent >= 3 else text
    if isinstance(e, Offset):
        # An offset applies to a primary: `(x[-1 month])[-1 year]`, never `x[..][..]`.
        inner = render(e.inner, 4)
        return f"{f'({inner})' if isinstance(e.inner, Offset) else inner}[-{e.n} {e.step}]"
    if isinstance(e, Change):
        return f"change({render(e.inner)})"
    p = PRECEDENCE[e.op]
    text = f"{render(e.lhs, p)} {e.op} {render(e.rhs, p, True)}"
    return f"({text})" if p < parent or (p == parent and right) or parent >= 3 else text


def unit_of(e):
    """The unit of an expression by the language's rules (docs/language.md), or None if it has none."""
    if isinstance(e, Agg):
        return e.unit
    if isinstance(e, Const):
        return e.unit
    if isinstance(e, MetricRef):
        return unit_of(e.metric.expr)
    if isinstance(e, (Neg, Offset, Change)):
        return unit_of(e.inner)
    if isinstance(e, Where):
        return unit_of(e.inner)
    a, b = unit_of(e.lhs), unit_of(e.rhs)
    if a is None or b is None:
        return None
    plain_units = ("count", "number", "scalar")
    if e.op in "+-":
        if b == "scalar":
            return a
        if a == "scalar" or a == b:
            return b
        return "number" if a in plain_units and b in plain_units else None
    if e.op == "*":
        if b in ("scalar", "ratio"):
            return a
        if a in ("scalar", "ratio"):
            return b
        if a in ("money", "duration") and b in ("money", "duration"):
            return None
        return a if a in ("money", "duration") else b if b in ("money", "duration") else "number"
    if a == b and a != "scalar":
        return "ratio"
    if a in ("count", "number") and b in ("count", "number"):
        return "ratio"
    if b in ("scalar", "ratio", "count", "number"):
        return a
    return "number"


def sources_of(e):
    if isinstance(e, Agg):
        return {e.source.name}
    if isinstance(e, Const):
        return set()
    if isinstance(e, MetricRef):
        return sources_of(e.metric.expr)
    if isinstance(e, (Neg, Offset, Change, Where)):
        return sources_of(e.inner)
    return sources_of(e.lhs) | sources_of(e.rhs)


def own_aggs(e):
    """The aggregates written in `e` itself: the ones a trailing `where` filters."""
    if isinstance(e, Agg):
        return [e]
    if isinstance(e, (Const, MetricRef)):
        return []
    if isinstance(e, (Neg, Offset, Change, Where)):
        return own_aggs(e.inner)
    return own_aggs(e.lhs) + own_aggs(e.rhs)


def aggregate(rng, src, filters):
    numeric = [c for c in src.columns if c.numeric]
    cond = condition(rng, src, filters) if rng.random() < 0.35 else None
    func = rng.choice(["count", "count", "count_distinct", "sum", "sum", "avg", "min", "max", "median", "percentile"])
    if func == "count":
        col = rng.choice(src.columns) if rng.random() < 0.3 else None
        return Agg("count", src, col, cond)
    if func == "count_distinct":
        return Agg(func, src, rng.choice(src.columns), cond)
    summable = [c for c in numeric if c.ty != "percent"] if func == "sum" else numeric
    param = rng.choice([0.0, 0.1, 0.25, 0.5, 0.9, 0.99, 1.0, 0.333]) if func == "percentile" else None
    return Agg(func, src, rng.choice(summable), cond, param)


def constant(rng):
    v = rng.choice([2.0, 0.5, 100.0, 1000.0, 1.5, 3.0, 0.0])
    return Const(v, plain(v))


def expression(rng, sources, filters, metrics, grain, depth=0):
    src = rng.choice(sources)
    r = rng.random()
    if metrics and r < 0.15:
        return MetricRef(rng.choice(metrics))
    if depth >= 2 or r < 0.4:
        return aggregate(rng, src, filters)
    sub = lambda: expression(rng, sources, filters, metrics, grain, depth + 1)  # noqa: E731
    if r < 0.65:
        return Bin("/", sub(), sub())
    if r < 0.75:
        return Bin(rng.choice("+-"), sub(), sub())
    if r < 0.82:
        c, shape = constant(rng), rng.random()
        return Bin("*", sub(), c) if shape < 0.4 else Bin("*", c, sub()) if shape < 0.7 else Bin("/", c, sub())
    if r < 0.86:
        # Now and then a division by a constant zero: no data, never infinity.
        divisor = constant(rng) if rng.random() < 0.1 else Const(2.0, "2")
        return Bin("/", sub(), divisor)
    if r < 0.89:
        return Neg(sub())
    if r < 0.94:
        # Mostly one period back: data spans months, not years.
        step = grain if rng.random() < 0.7 else rng.choice(OFFSET_STEPS[grain])
        return Offset(sub(), rng.choice([1, 1, 1, 2]), step)
    return Change(sub())


def trailing_where(rng, e, filters):
    """A condition for a trailing `where`, when every aggregate written in `e` reads one source."""
    aggs = own_aggs(e)
    srcs = {a.source.name for a in aggs}
    if not aggs or len(srcs) != 1 or rng.random() < 0.6:
        return None
    return condition(rng, aggs[0].source, filters)


# ------------------------------------------------------------------ KPIs


@dataclass
class Target:
    # at_least, at_most, between
    direction: str
    # a Lit, or for `between` a pair of Lits; None for `previous`
    value: object
    # for `previous`: None (no adjustment) or (op, Lit)
    previous: object = False
    since: Lit | None = None

    def kpi(self):
        if self.direction == "between":
            text = f"target between {self.value[0].text} and {self.value[1].text}"
        else:
            word = ">=" if self.direction == "at_least" else "<="
            if self.previous is not False:
                adj = f" {self.previous[0]} {self.previous[1].text}" if self.previous else ""
                text = f"target {word} previous{adj}"
            else:
                text = f"target {word} {self.value.text}"
        return text + (f" from {self.since.text}" if self.since else "")


@dataclass
class Kpi:
    name: str
    expr: object
    grain: str
    by: list
    unit: str
    # filled in once the actuals are known (run.py), so that targets are near them
    targets: list = field(default_factory=list)
    # None, ("relative", fraction, text) or ("absolute", amount, text)
    warn: object = None

    def decl(self):
        lines = [f"kpi {self.name} {{"]
        if isinstance(self.expr, Where):
            lines.append(f"  metric {render(self.expr.inner)} where {self.expr.cond.kpi()}")
        else:
            lines.append(f"  metric {render(self.expr)}")
        lines.append(f"  per {self.grain}")
        if self.by:
            lines.append(f"  by {', '.join(self.by)}")
        lines += [f"  {t.kpi()}" for t in self.targets]
        if self.warn:
            lines.append(f"  warn within {self.warn[2]}")
        return "\n".join(lines + ["}"])


@dataclass
class Case:
    sources: list
    filters: list
    metrics: list
    kpis: list

    def spec(self):
        parts = [s.decl() for s in self.sources]
        parts += [f"filter {f.name} = {f.cond.kpi()}" for f in self.filters]
        parts += [m.decl() for m in self.metrics]
        parts += [k.decl() for k in self.kpis]
        return "\n\n".join(parts) + "\n"


def make_case(rng):
    sources = make_sources(rng)
    filters = []
    for i in range(rng.randrange(0, 4)):
        src = rng.choice(sources)
        filters.append(Filter(f"f{i}", src, condition(rng, src, filters)))
    metrics = []
    for i in range(rng.randrange(0, 4)):
        e = valid_expression(rng, sources, filters, metrics, "month")
        metrics.append(Metric(f"m{i}", e, trailing_where(rng, e, filters)))
    kpis = []
    for i in range(rng.randrange(2, 6)):
        # Days of sparse data are mostly empty: fewer of them, to compare values more than gaps.
        grain = rng.choices(GRAINS, weights=[1, 2, 4, 2, 2])[0]
        e = valid_expression(rng, sources, filters, metrics, grain)
        where = trailing_where(rng, e, filters) if not isinstance(e, MetricRef) else None
        if where is not None:
            e = Where(e, where)
        by = dimensions(rng, [s for s in sources if s.name in sources_of(e)])
        kpis.append(Kpi(f"k{i}", e, grain, by, unit_of(e)))
    return Case(sources, filters, metrics, kpis)


def valid_expression(rng, sources, filters, metrics, grain):
    """An expression whose units combine, that reads some data and whose offsets fit `grain`."""
    while True:
        e = expression(rng, sources, filters, metrics, grain)
        if unit_of(e) not in (None, "scalar") and offsets_fit(e, grain):
            return e


def offsets_fit(e, grain):
    if isinstance(e, Offset):
        return e.step in OFFSET_STEPS[grain] and offsets_fit(e.inner, grain)
    if isinstance(e, MetricRef):
        return offsets_fit(e.metric.expr, grain)
    if isinstance(e, (Neg, Change, Where)):
        return offsets_fit(e.inner, grain)
    if isinstance(e, Bin):
        return offsets_fit(e.lhs, grain) and offsets_fit(e.rhs, grain)
    return True


def dimensions(rng, sources):
    """Zero, one or two dimensions that every source the KPI reads has."""
    common = [d for d in ("region", "channel") if all(any(c.name == d for c in s.columns) for s in sources)]
    n = rng.choice([0, 0, 1, 1, 2])
    return rng.sample(common, min(n, len(common)))
