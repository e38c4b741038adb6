"""kpic's rows against the oracle's: the same (period, entity) rows, and per row
the same actual, target, attainment, status and gap, up to floating point.

A difference is allowed only where floating point explains it: an actual within
its error bound; a status that differs only because the actual is within that
bound of a threshold (target, band edge); a denominator that is zero up to
rounding ("shaky" rows, whose values are not compared, only counted).
"""

import math
from collections import Counter
from dataclasses import dataclass, field

import oracle
from targets import target_at

REL = 1e-9


@dataclass
class Stats:
    rows: int = 0
    shaky: int = 0
    boundary: int = 0
    # the oracle's status of every compared row: each status must occur
    statuses: Counter = field(default_factory=Counter)
    problems: list = field(default_factory=list)


def expected_rows(kpi, acts):
    """The oracle's rows of a KPI: {(label, entity): (Approx, target, target error, score)}."""
    def actual_of(start, entity):
        found = acts.get((start, entity))
        return found[1] if found else None

    rows = {}
    for (start, entity), (actual, approx) in acts.items():
        target, terr = target_at(kpi, start, entity, actual_of)
        approx.value = actual
        rows[(oracle.label(kpi.grain, start), entity)] = (approx, target, terr, oracle.score(actual, target, kpi.warn))
    return rows


def close(a, b, err):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= err + REL * max(abs(a), abs(b)) + 1e-300


def target_values(t):
    if t is None:
        return None
    if t["direction"] == "between":
        return ("between", t["low"], t["high"])
    return (t["direction"], t["value"])


def compare_kpi(kpi, expected, got, stats):
    """Compare one KPI; append what differs to `stats.problems`."""
    got_rows = {(r["period"], tuple(r["entity"])): r for r in got["rows"]}
    for key in sorted(set(expected) - set(got_rows), key=str):
        stats.problems.append(f"{kpi.name} {key}: row missing from kpic (oracle: actual {expected[key][0].value})")
    for key in sorted(set(got_rows) - set(expected), key=str):
        stats.problems.append(f"{kpi.name} {key}: row only in kpic (actual {got_rows[key]['actual']})")
    for key in sorted(set(expected) & set(got_rows), key=str):
        stats.rows += 1
        approx, target, terr, (att, status, gap) = expected[key]
        r = got_rows[key]
        stats.statuses[status] += 1
        if approx.shaky or not terr < math.inf:
            stats.shaky += 1
            continue
        what = f"{kpi.name} {key[0]} {list(key[1])}"
        diffs = []
        a, err = approx.value, approx.err
        if not close(r["actual"], a, err):
            diffs.append(f"actual: kpic {r['actual']!r}, oracle {a!r} (± {err:.3g})")
        kt = target_values(r["target"])
        if (kt is None) != (target is None) or (
            kt is not None and (kt[0] != target[0] or not all(close(x, y, terr) for x, y in zip(kt[1:], target[1:])))
        ):
            diffs.append(f"target: kpic {kt}, oracle {target}")
        if diffs:
            stats.problems.append(f"{what}: " + "; ".join(diffs))
            continue
        if target is None or a is None:
            if r["status"] != "no_data" or r["attainment"] is not None or r["gap"] is not None:
                stats.problems.append(f"{what}: kpic {r['status']} {r['attainment']} {r['gap']}, oracle no_data")
            continue
        # Only an actual or target that floating point makes uncertain may fall
        # on the other side of a threshold: exact values must be scored alike.
        slack = err + terr
        on_edge = slack > 0 and any(abs(a - t) <= 2 * slack for t in oracle.thresholds(target, kpi.warn))
        if r["status"] != status or not close(r["gap"], gap, slack):
            if on_edge:
                stats.boundary += 1
                continue
            diffs.append(f"status {r['status']} gap {r['gap']!r}, oracle {status} gap {gap!r}")
        if not attainment_close(r["attainment"], att, approx, target, terr):
            if on_edge or 0 < slack and abs(a) <= slack:
                stats.boundary += 1
                continue
            diffs.append(f"attainment: kpic {r['attainment']!r}, oracle {att!r}")
        if diffs:
            stats.problems.append(f"{what} (actual {a!r}, target {target}, warn {kpi.warn}): " + "; ".join(diffs))


def attainment_close(k, o, approx, target, terr):
    if k is None or o is None or k == o:
        return k == o
    if target[0] == "between":
        return k == o
    # actual / T or T / actual: relative errors add up.
    rel = relative(approx.err, approx.value) + relative(terr, target[1])
    return abs(k - o) <= abs(o) * rel + REL * max(abs(k), abs(o))


def relative(err, v):
    if err == 0:
        return 0.0
    return err / abs(v) if v else float("inf")
