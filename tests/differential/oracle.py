"""The second opinion: each KPI as one DuckDB query, and scores by docs/evaluation.md.

Written from the documented semantics, not from kpic's code:
- a row's period is date_trunc of its time column (ISO weeks start on Monday);
- a KPI has a row for every period from the first to the last with rows in any
  source it reads, times every combination of its `by` values seen in them;
- aggregates are SQL aggregates with FILTER (WHERE ...) for `where`, grouped by
  period and dimensions and LEFT JOINed onto that grid; a count or sum is 0
  where the entity has rows in the period in any source the KPI reads (doing
  nothing is a value), and every aggregate is no data where it has none;
- after the last period with rows, the periods an offset reaches are reported
  while some entity has a value in them;
- derived values, gaps, attainments and band edges are exact arithmetic on the
  decimals the numbers print as, rounded once ("Arithmetic"); a division by
  zero is no data;
- attainment, status and gap follow the table in "Attainment, status, gap".

Every value also carries an error bound (`Approx`), because kpic may add the
same numbers in another order: comparisons allow for what floating point
allows, and no more.
"""

import datetime as dt
import math
from dataclasses import dataclass
from fractions import Fraction

from conditions import ColRef, Lit
from spec import Agg, Change, Const, MetricRef, Neg, Offset, Where

# Relative error allowed per input magnitude of an aggregate: a sum of at most a
# few hundred doubles in any order is within n * 2^-53 of the sum of magnitudes.
AGG_EPS = 1e-12


def dec(x):
    """The decimal a float prints as (Python's repr is the shortest round trip), exactly."""
    return Fraction(repr(float(x)))


def exact(op, x, y):
    """`x op y` on the decimals of x and y, rounded once to the nearest float."""
    a, b = dec(x), dec(y)
    return float({"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[op])


def interval(n, step):
    """`n` steps of a grain as a DuckDB interval."""
    return {"day": f"{n} days", "week": f"{7 * n} days", "month": f"{n} months", "quarter": f"{3 * n} months"}.get(
        step, f"{n} years"
    )

SQL_TYPE = {
    "int": "BIGINT",
    "float": "DOUBLE",
    "money": "DOUBLE",
    "percent": "DOUBLE",
    "duration": "DOUBLE",
    "text": "VARCHAR",
    "bool": "BOOLEAN",
    "date": "VARCHAR",
    "datetime": "VARCHAR",
}
SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Mistakes the oracle can be told to make (run.py --sabotage), to show that the
# comparison catches each kind: null semantics, interpolation, ties, date bounds.
SABOTAGES = ["nothing-is-no-data", "percentile-without-interpolation", "met-only-above-target", "dates-at-midnight"]
# Aggregates whose value over no rows is 0 for an entity that is present.
ADDITIVE = ("count", "count_distinct", "sum")
DAYS = {"day": 1, "week": 7, "month": 31, "quarter": 92, "year": 366}
sabotage = None


def load(con, sources, directory):
    """Each source as a table in evaluation types: percents as fractions, durations in seconds."""
    for s in sources:
        columns = ", ".join(f"'{c.name}': '{SQL_TYPE[c.ty]}'" for c in s.columns)
        select = ", ".join(f"{column_sql(c)} AS {ident(c.name)}" for c in s.columns)
        path = str(directory / s.file).replace("'", "''")
        con.execute(
            f"CREATE OR REPLACE TABLE {s.name} AS SELECT {select} FROM read_csv('{path}', header = true, "
            f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', columns = {{{columns}}})"
        )


def column_sql(c):
    name = ident(c.name)
    if c.ty == "datetime":
        return f"strptime({name}, '{c.pattern()}')"
    if c.ty == "date":
        return f"CAST(strptime({name}, '{c.pattern()}') AS DATE)"
    if c.ty == "percent":
        return f"{name} / CAST(100 AS DOUBLE)"
    if c.ty == "duration":
        return f"{name} * CAST({SECONDS[c.arg]} AS DOUBLE)"
    return name


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def text_sql(s):
    return "'" + s.replace("'", "''") + "'"


def double(v):
    return f"CAST('{float(v)!r}' AS DOUBLE)"


# ------------------------------------------------------------------ conditions


def cond_sql(c):
    k, a = c.kind, c.args
    if k == "cmp":
        lhs, op, rhs = a
        op_sql = {"==": "=", "!=": "<>"}.get(op, op)
        col = lhs if isinstance(lhs, ColRef) else rhs
        # docs/evaluation.md: a date against a datetime column is the end of the
        # day in `<=` and in `>` (its negation), with the column on either side.
        flipped = {"<=": ">=", ">=": "<=", "<": ">", ">": "<"}.get(op, op)
        end_of_day = (op if isinstance(lhs, ColRef) else flipped) in ("<=", ">")
        return f"({operand_sql(lhs, col, end_of_day)} {op_sql} {operand_sql(rhs, col, end_of_day)})"
    if k == "in":
        col, neg, items = a
        values = ", ".join(lit_sql(col, i, False) for i in items)
        return f"({ident(col.col.name)} {'NOT ' if neg else ''}IN ({values}))"
    if k == "range":
        col, neg, lo, hi = a
        between = f"BETWEEN {lit_sql(col, lo, False)} AND {lit_sql(col, hi, True)}"
        return f"({ident(col.col.name)} {'NOT ' if neg else ''}{between})"
    if k == "null":
        col, neg = a
        return f"({ident(col.col.name)} IS {'NOT ' if neg else ''}NULL)"
    if k in ("and", "or"):
        return f"({cond_sql(a[0])} {k.upper()} {cond_sql(a[1])})"
    if k == "not":
        return f"(NOT {cond_sql(a[0])})"
    if k == "const":
        return "TRUE" if a[0] else "FALSE"
    return cond_sql(a[0].cond)


def operand_sql(o, col, end_of_day):
    if isinstance(o, ColRef):
        return ident(o.col.name)
    return lit_sql(col, o, end_of_day)


def lit_sql(col, lit: Lit, end_of_day):
    c, v = col.col, lit.value
    if c.ty == "text":
        return text_sql(v)
    if c.ty == "bool":
        return "TRUE" if v else "FALSE"
    if c.ty == "int":
        return str(int(v))
    if c.ty == "date":
        return f"DATE '{v.isoformat()}'"
    if c.ty == "datetime":
        if isinstance(v, dt.datetime):
            return f"TIMESTAMP '{v.isoformat(sep=' ')}'"
        # docs/language.md: a date used as an upper bound against a datetime
        # column includes the whole day, until 23:59:59.999999.
        time = "23:59:59.999999" if end_of_day and sabotage != "dates-at-midnight" else "00:00:00"
        return f"TIMESTAMP '{v.isoformat()} {time}'"
    return double(v)


# ------------------------------------------------------------------ aggregates


def agg_sql(a: Agg, extra):
    """The aggregate and the magnitude its error scales with, filtered by its own
    `where` and the trailing one (`extra`)."""
    conds = [cond_sql(c) for c in (a.cond, extra) if c is not None]
    filt = f" FILTER (WHERE {' AND '.join(conds)})" if conds else ""
    x = ident(a.col.name) if a.col else None
    if a.func == "count":
        return f"CAST(count({x or '*'}){filt} AS DOUBLE)", "0"
    if a.func == "count_distinct":
        return f"CAST(count(DISTINCT {x}){filt} AS DOUBLE)", "0"
    mag = f"CAST({x} AS DOUBLE)"
    # Whole numbers whose magnitudes add up to less than 2^53 add up exactly in
    # any order: no error, so ties with a target must be decided the same way.
    exact = f"(bool_and({mag} = trunc({mag})){filt} AND sum(abs({mag})){filt} < 9007199254740992)"
    if a.func == "sum":
        total = f"CAST(sum({x}){filt} AS DOUBLE)"
        return total, f"CASE WHEN {exact} THEN 0 ELSE sum(abs({mag})){filt} END"
    if a.func == "avg":
        return f"CAST(avg({x}){filt} AS DOUBLE)", f"CASE WHEN {exact} THEN 0 ELSE avg(abs({mag})){filt} END"
    if a.func in ("min", "max"):
        return f"CAST({a.func}({x}){filt} AS DOUBLE)", "0"
    rank = 0.5 if a.func == "median" else a.param
    quantile = "quantile_disc" if sabotage == "percentile-without-interpolation" else "quantile_cont"
    return f"CAST({quantile}({x}, {rank!r}){filt} AS DOUBLE)", f"max(abs({mag})){filt}"


@dataclass
class Approx:
    """A value with an absolute error bound; `None` value is no data."""

    value: float | None
    err: float = 0.0
    # Whether floating point alone could turn it into no data or out of it (a
    # denominator that is zero up to rounding).
    shaky: bool = False


def combine(op, a: Approx, b: Approx):
    shaky = a.shaky or b.shaky
    if a.value is None or b.value is None:
        return Approx(None, 0.0, shaky)
    x, y, ex, ey = a.value, b.value, a.err, b.err
    if op in "+-":
        return bounded(exact(op, x, y), ex + ey, shaky)
    if op == "*":
        return bounded(exact(op, x, y), abs(x) * ey + abs(y) * ex + ex * ey, shaky)
    if 0 < ey and abs(y) <= ey:
        # Zero or not zero depends on the order of additions.
        return Approx(None if y == 0 else x / y, math.inf, True)
    if y == 0:
        return Approx(None, 0.0, shaky)
    return bounded(exact(op, x, y), (ex + abs(x / y) * ey) / (abs(y) - ey), shaky)


def bounded(value, err, shaky):
    # An unknown bound (inf, or inf * 0) makes the value unknown too.
    if not err < math.inf:
        return Approx(value, math.inf, True)
    return Approx(value, err, shaky)


class KpiQuery:
    """The SQL of one KPI, and how to read each result row back as an `Approx`."""

    def __init__(self, kpi, sources):
        self.kpi = kpi
        self.sources = {s.name: s for s in sources}
        # per source: [(value sql, magnitude sql)], deduplicated
        self.aggs = {}
        # (source, period sql) to join alias
        self.joins = {}
        self.expr_sql, self.evaluate = self.expr(kpi.expr, "g.p", None)

    def expr(self, e, period, extra):
        """(SQL, row -> Approx) of `e` at the period `period` (SQL over g.p)."""
        if isinstance(e, Agg):
            j, c = self.column(e, period, extra)
            col = f"{j}_c{c}"
            return col, lambda r: Approx(r[col], AGG_EPS * (r[col + "_m"] or 0.0))
        if isinstance(e, Const):
            return double(e.value), lambda r: Approx(e.value)
        if isinstance(e, Where):
            return self.expr(e.inner, period, e.cond)
        if isinstance(e, MetricRef):
            # A metric's own trailing `where` filters its aggregates; the caller's does not.
            return self.expr(e.metric.body(), period, None)
        if isinstance(e, Neg):
            s, f = self.expr(e.inner, period, extra)
            return f"(-{s})", lambda r: negate(f(r))
        if isinstance(e, Offset):
            return self.expr(e.inner, self.shift(period, interval(e.n, e.step)), extra)
        if isinstance(e, Change):
            now, fn = self.expr(e.inner, period, extra)
            before, fb = self.expr(e.inner, self.shift(period, interval(1, self.kpi.grain)), extra)
            return f"({now} - {before})", lambda r: combine("-", fn(r), fb(r))
        ls, lf = self.expr(e.lhs, period, extra)
        rs, rf = self.expr(e.rhs, period, extra)
        if e.op == "/":
            return f"({ls} / NULLIF({rs}, 0))", lambda r: combine("/", lf(r), rf(r))
        return f"({ls} {e.op} {rs})", lambda r, op=e.op: combine(op, lf(r), rf(r))

    def shift(self, period, step):
        return f"CAST(date_trunc('{self.kpi.grain}', {period} - INTERVAL '{step}') AS DATE)"

    def column(self, a, period, extra):
        aggs = self.aggs.setdefault(a.source.name, [])
        sql = agg_sql(a, extra) + (a.func in ADDITIVE,)
        if sql not in aggs:
            aggs.append(sql)
        key = (a.source.name, period)
        if key not in self.joins:
            self.joins[key] = f"j{len(self.joins)}"
        return self.joins[key], aggs.index(sql)

    def sql(self):
        grain, dims = self.kpi.grain, [ident(d) for d in self.kpi.by]
        read = sorted(self.aggs)
        ctes = []
        for s in read:
            t = ident(self.sources[s].time)
            ctes.append(f"r_{s} AS (SELECT *, CAST(date_trunc('{grain}', {t}) AS DATE) AS p FROM {s})")
            cols = [f"{v} AS c{i}, {m} AS c{i}_m" for i, (v, m, _) in enumerate(self.aggs[s])]
            group = ", ".join(["p"] + dims)
            ctes.append(f"q_{s} AS (SELECT {group}, {', '.join(cols)} FROM r_{s} GROUP BY {group})")
        all_p = " UNION ALL ".join(f"SELECT p FROM r_{s}" for s in read)
        # Past the last period with rows, as far as an offset reaches back.
        reach = f"max(p) + INTERVAL '{interval(1, grain)}' + INTERVAL '{max_lag_days(self.kpi.expr) - 1} days'"
        series = f"generate_series(min(p), CAST({reach} AS DATE), INTERVAL '{interval(1, grain)}')"
        ctes.append(f"periods AS (SELECT CAST(unnest({series}) AS DATE) AS p, max(p) AS last FROM ({all_p}))")
        keys = ", ".join(["p"] + dims)
        ctes.append("present AS (" + " UNION ".join(f"SELECT DISTINCT {keys} FROM r_{s}" for s in read) + ")")
        if dims:
            seen = " UNION ".join(f"SELECT DISTINCT {', '.join(dims)} FROM r_{s}" for s in read)
            ctes.append(f"entities AS ({seen})")
            ctes.append("grid AS (SELECT * FROM periods CROSS JOIN entities)")
        else:
            ctes.append("grid AS (SELECT * FROM periods)")
        select = ["g.p AS p", "g.last AS last"] + [f"g.{d} AS {d}" for d in dims]
        joins = []
        for (s, period), j in self.joins.items():
            on = [f"{j}.p = {period}"] + [f"{j}.{d} IS NOT DISTINCT FROM g.{d}" for d in dims]
            joins.append(f"LEFT JOIN q_{s} {j} ON {' AND '.join(on)}")
            on = [f"pr_{j}.p = {period}"] + [f"pr_{j}.{d} IS NOT DISTINCT FROM g.{d}" for d in dims]
            joins.append(f"LEFT JOIN present pr_{j} ON {' AND '.join(on)}")
            for i, (_, _, additive) in enumerate(self.aggs[s]):
                value = f"{j}.c{i}"
                if additive and sabotage != "nothing-is-no-data":
                    # Present (rows in the period in a source the KPI reads):
                    # a count or sum of nothing is 0.
                    value = f"coalesce({value}, CASE WHEN pr_{j}.p IS NOT NULL THEN 0.0 END)"
                select.append(f"{value} AS {j}_c{i}, {j}.c{i}_m AS {j}_c{i}_m")
        return (
            "WITH " + ",\n  ".join(ctes) + "\nSELECT " + ", ".join(select) + "\nFROM grid g\n" + "\n".join(joins)
        )


def max_lag_days(e):
    """How far back, in days at most, `e` reads: the sum of its nested offsets."""
    if isinstance(e, Offset):
        return e.n * DAYS[e.step] + max_lag_days(e.inner)
    if isinstance(e, (Neg, Change, Where)):
        return max_lag_days(e.inner)
    if isinstance(e, MetricRef):
        return max_lag_days(e.metric.body())
    if hasattr(e, "lhs"):
        return max(max_lag_days(e.lhs), max_lag_days(e.rhs))
    return 0


def negate(a):
    return Approx(None if a.value is None else -a.value, a.err, a.shaky)


def actuals(con, kpi, sources):
    """(sql, {(period start, entity): (sql actual, Approx)}) of one KPI."""
    q = KpiQuery(kpi, sources)
    sql = q.sql()
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    out = {}
    for values in cur.fetchall():
        r = dict(zip(names, values))
        entity = tuple(r[d] for d in kpi.by)
        approx = q.evaluate(r)
        out[(r["p"], entity)] = (approx.value, approx, r["last"])
    # Past the last period with rows: up to the last period where some
    # entity has a value.
    valued = [p for (p, _), (actual, _, last) in out.items() if p > last and actual is not None]
    end = max(valued, default=None)
    return sql, {
        key: (actual, approx)
        for key, (actual, approx, last) in out.items()
        if key[0] <= last or (end is not None and key[0] <= end)
    }


# ------------------------------------------------------------------ periods and scores


def label(grain, start: dt.date):
    if grain == "day":
        return start.isoformat()
    if grain == "week":
        y, w, _ = start.isocalendar()
        return f"{y}-W{w:02}"
    if grain == "month":
        return f"{start.year}-{start.month:02}"
    if grain == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def previous(grain, start: dt.date):
    if grain == "day":
        return start - dt.timedelta(days=1)
    if grain == "week":
        return start - dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    m = start.year * 12 + start.month - 1 - months
    return dt.date(m // 12, m % 12 + 1, 1)


def band(warn, bound):
    """The at-risk band next to `bound`: a fraction of the bound, or an amount."""
    if warn is None:
        return None
    kind, amount, _ = warn
    return exact("*", abs(bound), amount) if kind == "relative" else amount


def score(actual, target, warn):
    """(attainment, status, gap) by the table in docs/evaluation.md."""
    if actual is None or target is None:
        return None, "no_data", None
    a = actual
    if target[0] == "at_least":
        t = target[1]
        b = band(warn, t)
        met = a > t if sabotage == "met-only-above-target" else a >= t
        status = "met" if met else "at_risk" if b is not None and a >= exact("-", t, b) else "missed"
        return (exact("/", a, t) if t > 0 else None), status, exact("-", a, t)
    if target[0] == "at_most":
        t = target[1]
        b = band(warn, t)
        status = "met" if a <= t else "at_risk" if b is not None and a <= exact("+", t, b) else "missed"
        # docs/evaluation.md: undefined for an actual of zero or less, and for a
        # target below zero (an attainment is never negative by the target's sign).
        return (exact("/", t, a) if a > 0 and t >= 0 else None), status, exact("-", a, t)
    lo, hi = target[1], target[2]
    if lo <= a <= hi:
        return 1.0, "met", 0.0
    nearer = lo if a < lo else hi
    gap = exact("-", a, nearer)
    b = band(warn, nearer)
    return 0.0, ("at_risk" if b is not None and abs(gap) <= b else "missed"), gap


def thresholds(target, warn):
    """The values where the status changes."""
    bounds = [target[1]] if target[0] != "between" else [target[1], target[2]]
    out = list(bounds)
    if warn is not None:
        if target[0] == "at_least":
            out.append(exact("-", bounds[0], band(warn, bounds[0])))
        elif target[0] == "at_most":
            out.append(exact("+", bounds[0], band(warn, bounds[0])))
        else:
            out += [exact("-", bounds[0], band(warn, bounds[0])), exact("+", bounds[1], band(warn, bounds[1]))]
    return out
