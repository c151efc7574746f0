"""Validates objects against vendored CRD schemas (tests/crds/), strictly: a field the schema does not
declare is an error, as with `kubectl apply --validate=strict`.

stdin: {"schema": "<path>", "docs": [<objects>]}
stdout: one line per document, "ok <kind>/<name>" or "invalid <kind>/<name>: <message>"; exit 1 if any
is invalid.
"""
import json
import sys

import jsonschema

# What the API server checks of metadata for every object (the CRD only says `type: object`).
METADATA = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", "maxLength": 253},
        "namespace": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def strict(schema):
    """Closes every object schema that lists its properties and does not preserve unknown fields."""
    if isinstance(schema, dict):
        if (
            schema.get("type") == "object"
            and "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        for v in schema.values():
            strict(v)
    elif isinstance(schema, list):
        for v in schema:
            strict(v)
    return schema


def main():
    request = json.load(sys.stdin)
    with open(request["schema"]) as f:
        schema = strict(json.load(f))
    schema["properties"]["metadata"] = METADATA
    schema.setdefault("required", [])
    for field in ("apiVersion", "kind", "metadata", "spec"):
        if field not in schema["required"]:
            schema["required"].append(field)
    validator = jsonschema.Draft7Validator(schema)
    failed = False
    for doc in request["docs"]:
        what = f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            failed = True
            for e in errors:
                print(f"invalid {what}: {'.'.join(map(str, e.path))}: {e.message}")
        else:
            print(f"ok {what}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
