#!/usr/bin/env python3
"""Parses kpic's SQL with sqlglot, an SQL parser independent of kpic, for the
dialects no engine here can run (tests/sql.rs, `parse::DIALECT`).

Reads {"dialect": "snowflake" | "bigquery" | "trino", "statements": [{"id",
"sql", "strings"}]} on standard input. Each statement must parse as exactly
one statement of the dialect, a SELECT unless it is a session setting, and
every string in `strings` (the text the spec's filters compare with) must be
the value of one of its string literals, so that the dialect's quoting reads
back unchanged. Writes {"parsed": N, "failures": ["..."]}.
"""

import json
import sys

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel


def main():
    doc = json.load(sys.stdin)
    dialect = doc["dialect"]
    failures = []
    parsed = 0
    for s in doc["statements"]:
        try:
            trees = sqlglot.parse(s["sql"], read=dialect, error_level=ErrorLevel.RAISE)
        except Exception as e:  # noqa: BLE001 - every parse error is a finding
            failures.append("%s: does not parse: %s\n%s" % (s["id"], e, s["sql"]))
            continue
        trees = [t for t in trees if t is not None]
        if len(trees) != 1:
            failures.append("%s: %d statements\n%s" % (s["id"], len(trees), s["sql"]))
            continue
        tree = trees[0]
        setting = s["sql"].upper().startswith(("SET ", "ALTER SESSION"))
        if not setting and not isinstance(tree, exp.Select):
            failures.append("%s: parsed as %s, not a SELECT\n%s" % (s["id"], type(tree).__name__, s["sql"]))
            continue
        literals = {lit.this for lit in tree.find_all(exp.Literal) if lit.is_string}
        for want in s["strings"]:
            if want not in literals:
                failures.append(
                    "%s: the string %r does not read back; literals read: %r\n%s"
                    % (s["id"], want, sorted(literals), s["sql"])
                )
        parsed += 1
    json.dump({"parsed": parsed, "failures": failures}, sys.stdout)


if __name__ == "__main__":
    main()
