"""Validate a SARIF log against the official SARIF 2.1.0 JSON schema.

usage: validate_sarif.py SCHEMA LOG
The schema comes from the npm package @microsoft/jest-sarif (see .ci/setup).
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
log = json.load(open(sys.argv[2], encoding="utf-8"))
validator = jsonschema.Draft4Validator(schema)
errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
for e in errors:
    print(f"{'/'.join(map(str, e.path))}: {e.message}")
if errors:
    sys.exit(1)
print(f"valid SARIF: {len(log['runs'][0]['results'])} results")
