#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""json-check.py SCHEMA [FILE]: validate sendas --json output (JSON lines).

Every non-empty line of FILE (default: standard input) must be one JSON
object valid against SCHEMA (JSON Schema draft 2020-12, python3-jsonschema).
Prints one "line N: reason" per problem on stderr; exits 0 when all lines
are valid and there is at least one, 1 otherwise, 2 on usage errors.
Non-UTF-8 output is a problem too: json.loads gets str, decoded strictly.
"""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    data = open(argv[2], "rb").read() if len(argv) == 3 else sys.stdin.buffer.read()
    bad = 0
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        print(f"not UTF-8: {e}", file=sys.stderr)
        return 1
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        print("no JSON line at all", file=sys.stderr)
        return 1
    for n, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
        except ValueError as e:
            print(f"line {n}: not JSON: {e}", file=sys.stderr)
            bad += 1
            continue
        for err in validator.iter_errors(obj):
            path = "/".join(str(p) for p in err.absolute_path)
            print(f"line {n}: /{path}: {err.message}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
