#!/usr/bin/env python3
"""Validates the simulator's management responses (steps 1-13, the password policy a password-first
flow embeds, a device activation) against PingOne's OpenAPI schemas,
and the client's request bodies (the reviewed insta snapshots of pingone-provisioning's contract
tests) against the request schemas.

Usage: validate_openapi.py RESPONSES_JSON [SPEC_DIR] [--requests SNAPSHOT_DIR]

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


# responses beyond the 13 steps, by name -> (spec file, (path, method, status) or None, component
# schema or None): the password policy a password-first flow embeds (`_embedded.passwordPolicy`,
# schema PasswordPolicy) and the activation of a device created ACTIVATION_REQUIRED.
EXTRA = {
    "passwordPolicy": ("pingone-management-email-mfa.yml", None, "PasswordPolicy"),
    "activateDevice": (
        "pingone-mfa-email-mfa.yml",
        ("/environments/{environmentID}/users/{userID}/devices/{deviceID}", "post", "200"),
        None,
    ),
}


# step -> the concrete component schema the response must also satisfy
SPECIFIC = {
    1: "ApplicationOIDC",
    6: "SignOnPolicyActionMFA",
    12: "DeviceAuthenticationPolicy",
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


M = "pingone-management-email-mfa.yml"
F = "pingone-mfa-email-mfa.yml"
# snapshot name -> (spec file, path, method, concrete schema or None)
REQUESTS = {
    "create_application": (M, "/environments/{environmentID}/applications", "post", "ApplicationOIDC"),
    "update_application": (M, "/environments/{environmentID}/applications/{applicationID}", "put", "ApplicationOIDC"),
    "create_grant": (M, "/environments/{environmentID}/applications/{applicationID}/grants", "post", None),
    "create_sign_on_policy": (M, "/environments/{environmentID}/signOnPolicies", "post", None),
    "create_mfa_action": (M, "/environments/{environmentID}/signOnPolicies/{policyID}/actions", "post", "SignOnPolicyActionMFA"),
    "create_assignment": (M, "/environments/{environmentID}/applications/{applicationID}/signOnPolicyAssignments", "post", None),
    "create_population": (M, "/environments/{environmentID}/populations", "post", None),
    "create_user": (M, "/environments/{environmentID}/users", "post", None),
    "set_password": (M, "/environments/{environmentID}/users/{userID}/password", "put", None),
    "set_mfa_enabled": (F, "/environments/{environmentID}/users/{userID}/mfaEnabled", "put", None),
    "create_device_authentication_policy": (F, "/environments/{environmentID}/deviceAuthenticationPolicies", "post", None),
}


def for_requests(node):
    """OpenAPI 3.0: a `readOnly` property listed in `required` is required in responses only."""
    if isinstance(node, dict):
        props = node.get("properties") or {}
        read_only = {k for k, v in props.items() if isinstance(v, dict) and v.get("readOnly")}
        out = {k: for_requests(v) for k, v in node.items()}
        if read_only and isinstance(out.get("required"), list):
            out["required"] = [r for r in out["required"] if r not in read_only]
            if not out["required"]:
                del out["required"]
        return out
    if isinstance(node, list):
        return [for_requests(v) for v in node]
    return node


def validate_requests(specs, snapshot_dir):
    """Returns the number of invalid request bodies."""
    failures = 0
    checked = 0
    for name in sorted(os.listdir(snapshot_dir)):
        if not name.endswith(".snap"):
            continue
        key = name[: -len(".snap")].split("__", 1)[-1]
        if key not in REQUESTS:
            print(f"request {key}: no request schema in the specs: skipped")
            continue
        with open(os.path.join(snapshot_dir, name), encoding="utf-8") as f:
            text = f.read()
        body = json.loads(text.split("---", 2)[2].replace('"[id]"', '"8e1b2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e"'))
        file, path, method, specific = REQUESTS[key]
        spec = for_requests(specs[file])
        content = spec["paths"][path][method]["requestBody"]["content"]
        schema = next(iter(content.values()))["schema"]
        errors = []
        for target in [schema] + ([{"$ref": "#/components/schemas/" + specific}] if specific else []):
            root = copy.deepcopy(spec)
            root.update(target)
            errors += list(jsonschema.Draft4Validator(root).iter_errors(body))
        checked += 1
        if errors:
            failures += 1
            print(f"request {key}: INVALID against {method.upper()} {path}")
            for error in errors[:10]:
                print(f"    at {'/'.join(str(p) for p in error.path) or '(root)'}: {error.message[:300]}")
        else:
            print(f"request {key}: valid ({method.upper()} {path})")
    print(f"{checked} request bodies validated against their schemas, {failures} invalid")
    return failures


def main():
    args = [a for a in sys.argv[1:]]
    snapshot_dir = None
    if "--requests" in args:
        i = args.index("--requests")
        snapshot_dir = args[i + 1]
        del args[i : i + 2]
    responses_path = args[0]
    spec_dir = args[1] if len(args) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "reference", "openapi")
    specs = {}
    for name in {op[0] for op in OPERATIONS.values()} | {M, F}:
        with open(os.path.join(spec_dir, name), encoding="utf-8") as f:
            specs[name] = adapt(yaml.safe_load(f))
    with open(responses_path, encoding="utf-8") as f:
        responses = json.load(f)
    failures = 0
    checked = 0
    for entry in responses:
        step = entry["step"]
        if step in EXTRA:
            name, where, component = EXTRA[step]
            path, method, status = where if where else ("(embedded)", "-", "-")
            specific = component
        else:
            name, path, method, status = OPERATIONS[step]
            specific = SPECIFIC.get(step)
        spec = specs[name]
        schema = None
        if where_is_operation := (step not in EXTRA or EXTRA[step][1] is not None):
            operation = spec["paths"].get(path, {}).get(method)
            if operation is None:
                print(f"step {step:>2} {entry['operation']}: operation {method.upper()} {path} is not in the spec: skipped")
                continue
            response = operation["responses"].get(status, {})
            if "$ref" in response:
                ref = response["$ref"].split("/")[-1]
                response = spec["components"]["responses"][ref]
            schema = (response.get("content", {}).get("application/json", {}) or {}).get("schema")
        if not schema and not (specific and not where_is_operation):
            print(f"step {step:>2} {entry['operation']}: the spec gives no {status} body schema: skipped")
            continue
        errors = []
        targets = ([schema] if schema else []) + ([{"$ref": "#/components/schemas/" + specific}] if specific else [])
        for target in targets:
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
    if snapshot_dir:
        failures += validate_requests(specs, snapshot_dir)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
