#!/usr/bin/env python3
"""Validates the simulator's management responses (steps 1-13) against PingOne's OpenAPI schemas.

Usage: validate_openapi.py RESPONSES_JSON [SPEC_DIR]

RESPONSES_JSON is written by the test `twenty_steps_end_to_end` of pingone-sim
(target/tmp/sim-management-responses.json). SPEC_DIR defaults to ../shared/reference/openapi.
OpenAPI 3.0 specifics are adapted for JSON Schema: `nullable`, and `pattern`s that use Unicode
property classes (\\p{..}), which Python's `re` cannot compile, are dropped; `oneOf` without a
discriminator is read as `anyOf`, because these specs' alternatives overlap (an MFA action is also a
valid LOGIN action: the schemas do not forbid extra properties), so the concrete schema of a step is
named in SPECIFIC and checked as well.
Exit status: 0 when every response with a schema validates, 1 otherwise.
"""
import copy
import json
import os
import sys

import jsonschema
import yaml

# step -> (spec file, path, method, status)
OPERATIONS = {
    1: ("pingone-management-email-mfa.yml", "/environments/{environmentID}/applications", "post", "201"),
    2: ("pingone-management-email-mfa.yml", "/environments/{environmentID}/resources", "get", "200"),
    3: ("pingone-management-email-mfa.yml", "/environments/{environmentID}/resources/{resourceID}/scopes", "get", "200"),
    4: ("pingone-management-email-mfa.yml", "/environments/{environmentID}/applications/{applicationID}/grants", "post", "201"),
    5: ("pingone-management-email-mfa.yml", "/environments/{environmentID}/signOnPolicies", "post", "201"),
    6: ("pingone-management-email-mfa.yml", "/environments/{environmentID}/signOnPolicies/{policyID}/actions", "post", "201"),
    7: ("pingone-management-email-mfa.yml", "/environments/{environmentID}/applications/{applicationID}/signOnPolicyAssignments", "post", "201"),
    8: ("pingone-management-email-mfa.yml", "/environments/{environmentID}/populations", "post", "201"),
    9: ("pingone-management-email-mfa.yml", "/environments/{environmentID}/users", "post", "201"),
    10: ("pingone-management-email-mfa.yml", "/environments/{environmentID}/users/{userID}/password", "put", "200"),
    11: ("pingone-mfa-email-mfa.yml", "/environments/{environmentID}/users/{userID}/mfaEnabled", "put", "200"),
    12: ("pingone-mfa-email-mfa.yml", "/environments/{environmentID}/deviceAuthenticationPolicies", "post", "201"),
    13: ("pingone-mfa-email-mfa.yml", "/environments/{environmentID}/users/{userID}/devices", "post", "201"),
}


# step -> the concrete component schema the response must also satisfy
SPECIFIC = {
    1: "ApplicationOIDC",
    6: "SignOnPolicyActionMFA",
}


def adapt(node):
    """OpenAPI 3.0 schema -> JSON Schema (draft 4 semantics as OAS 3.0 uses)."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str) and "\\p" in value:
                continue
            if key in ("discriminator", "example", "examples", "xml", "externalDocs") or key.startswith("x-"):
                continue
            out[key] = adapt(value)
        if "oneOf" in out and "discriminator" not in node:
            out["anyOf"] = out.pop("oneOf")
        if out.get("nullable") is True and "type" in out:
            out["type"] = [out["type"], "null"]
        out.pop("nullable", None)
        return out
    if isinstance(node, list):
        return [adapt(v) for v in node]
    return node


def main():
    responses_path = sys.argv[1]
    spec_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "reference", "openapi")
    specs = {}
    for name in {op[0] for op in OPERATIONS.values()}:
        with open(os.path.join(spec_dir, name), encoding="utf-8") as f:
            specs[name] = adapt(yaml.safe_load(f))
    with open(responses_path, encoding="utf-8") as f:
        responses = json.load(f)
    failures = 0
    checked = 0
    for entry in responses:
        step = entry["step"]
        name, path, method, status = OPERATIONS[step]
        spec = specs[name]
        operation = spec["paths"].get(path, {}).get(method)
        if operation is None:
            print(f"step {step:>2} {entry['operation']}: operation {method.upper()} {path} is not in the spec: skipped")
            continue
        response = operation["responses"].get(status, {})
        if "$ref" in response:
            ref = response["$ref"].split("/")[-1]
            response = spec["components"]["responses"][ref]
        schema = (response.get("content", {}).get("application/json", {}) or {}).get("schema")
        if not schema:
            print(f"step {step:>2} {entry['operation']}: the spec gives no {status} body schema: skipped")
            continue
        errors = []
        for target in [schema] + ([{"$ref": "#/components/schemas/" + SPECIFIC[step]}] if step in SPECIFIC else []):
            root = copy.deepcopy(spec)
            root.update(target)
            errors += sorted(jsonschema.Draft4Validator(root).iter_errors(entry["body"]), key=lambda e: list(e.path))
        checked += 1
        if errors:
            failures += 1
            print(f"step {step:>2} {entry['operation']}: INVALID against {method.upper()} {path} {status}")
            for error in errors[:10]:
                where = "/".join(str(p) for p in error.path) or "(root)"
                print(f"    at {where}: {error.message[:300]}")
        else:
            print(f"step {step:>2} {entry['operation']}: valid ({method.upper()} {path} {status})")
    print(f"{checked} responses validated against their schemas, {failures} invalid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
