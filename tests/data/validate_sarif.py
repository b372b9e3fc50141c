"""Validates SARIF logs against the SARIF 2.1.0 JSON schema (draft-04), with
format checks on: `validate_sarif.py SCHEMA LOG...`. Prints one line per error
as `LOG: message at /json/pointer` and exits 1 if any log is invalid.

Run by tests/it/outputs.rs with the Python of .go/ (scripts/test installs the
`jsonschema` package there). One known defect of the published schema is
corrected in memory: its `language` pattern ends in a stray `]`, which the
draft-04 meta-schema's `regex` format rejects (SARIF 2.1.0 Errata 01 gives
`^[a-zA-Z]{2}(-[a-zA-Z]{2})?$`). gomemfix never writes `language`.
"""

import json
import sys

import jsonschema

BROKEN = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$"
ERRATUM = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$"


def correct(value):
    """Replaces the broken pattern wherever it appears; returns how often."""
    fixed = 0
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "pattern" and item == BROKEN:
                value[key] = ERRATUM
                fixed += 1
            else:
                fixed += correct(item)
    elif isinstance(value, list):
        for item in value:
            fixed += correct(item)
    return fixed


def main(schema_path, log_paths):
    with open(schema_path, encoding="utf-8") as f:
        text = f.read()
    schema = json.loads(text)
    if correct(schema) != text.count(BROKEN) or BROKEN not in text:
        print(f"{schema_path}: not the schema this script corrects", file=sys.stderr)
        return 2
    jsonschema.Draft4Validator.check_schema(schema)
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    invalid = False
    for path in log_paths:
        with open(path, encoding="utf-8") as f:
            log = json.load(f)
        for error in validator.iter_errors(log):
            invalid = True
            print(f"{path}: {error.message} at {error.json_path}")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
