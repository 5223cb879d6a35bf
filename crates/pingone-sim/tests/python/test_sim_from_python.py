#!/usr/bin/env python3
"""The pingone-sim binary driven from Python with the standard library only.

Starts the binary, reads its ready line, creates an isolated environment, provisions an Email
MFA application and user in it, signs on (authorize -> flow -> user.lookup -> the OTP from the
outbox's long-poll -> otp.check -> resume -> token), then advances the environment's clock so
that an unused authorization code expires and sees it refused.

Usage: test_sim_from_python.py [PATH_TO_PINGONE_SIM]   (or set PINGONE_SIM_BIN)
Exit status 0 when every check passes.
"""

import base64
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

REDIRECT = "https://app.example.test/callback"
USERNAME = "ada"
EMAIL = "ada@example.test"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Authorize and resume answer 302: the test reads Location instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def call(method, url, body=None, headers=None, form=None):
    """One HTTP exchange: (status, headers, parsed JSON or None)."""
    headers = dict(headers or {})
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with OPENER.open(request, timeout=30) as response:
            status, reply_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx
        status, reply_headers, raw = error.code, error.headers, error.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, reply_headers, parsed


def expect(status, wanted, what, body=None):
    if status != wanted:
        # Only the error fields: a body may carry tokens.
        summary = {k: v for k, v in body.items() if k in ("code", "message", "details", "error", "error_description", "status")} \
            if isinstance(body, dict) else None
        raise AssertionError(f"{what}: expected {wanted}, got {status}: {summary}")


def basic(client_id, secret):
    pair = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}"
    return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


class Environment:
    """One simulated environment, reached with the keys of the ready line."""

    def __init__(self, info):
        self.info = info
        self.id = info["environment_id"]
        self.auth = f"{info['auth_base']}/{self.id}"
        self.management = f"{info['management_base']}/environments/{self.id}"
        status, _, tokens = call(
            "POST", f"{self.auth}/as/token", form={"grant_type": "client_credentials"},
            headers=basic(info["worker_client_id"], info["worker_client_secret"]))
        expect(status, 200, "worker token", tokens)
        self.bearer = {"Authorization": f"Bearer {tokens['access_token']}"}

    def api(self, method, path, body=None, content_type="application/json", wanted=200):
        status, _, reply = call(method, f"{self.management}/{path}", body=body,
                                headers={**self.bearer, "Content-Type": content_type})
        expect(status, wanted, f"{method} {path}", reply)
        return reply

    def provision(self):
        """Steps 1-13 and 19: an OIDC web app behind an Email MFA policy, and a user with an EMAIL device."""
        app = self.api("POST", "applications", {
            "name": "python-demo", "enabled": True, "type": "WEB_APP", "protocol": "OPENID_CONNECT",
            "grantTypes": ["AUTHORIZATION_CODE"], "responseTypes": ["CODE"], "redirectUris": [REDIRECT],
            "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC", "pkceEnforcement": "S256_REQUIRED"}, wanted=201)
        resources = self.api("GET", "resources")["_embedded"]["resources"]
        openid = next(r for r in resources if r["name"] == "openid")
        scopes = self.api("GET", f"resources/{openid['id']}/scopes")["_embedded"]["scopes"]
        wanted = [{"id": s["id"]} for s in scopes if s["name"] in ("openid", "profile", "email")]
        self.api("POST", f"applications/{app['id']}/grants",
                 {"resource": {"id": openid["id"]}, "scopes": wanted}, wanted=201)
        policy = self.api("POST", "signOnPolicies", {"name": "Email_MFA"}, wanted=201)
        self.api("POST", f"signOnPolicies/{policy['id']}/actions",
                 {"priority": 1, "type": "MULTI_FACTOR_AUTHENTICATION", "email": {"enabled": True}}, wanted=201)
        self.api("POST", f"applications/{app['id']}/signOnPolicyAssignments",
                 {"priority": 1, "signOnPolicy": {"id": policy["id"]}}, wanted=201)
        user = self.api("POST", "users", {"username": USERNAME, "email": EMAIL, "mfaEnabled": True}, wanted=201)
        self.api("POST", f"users/{user['id']}/devices", {"type": "EMAIL", "email": EMAIL}, wanted=201)
        self.client_id = app["id"]
        self.client_secret = self.api("GET", f"applications/{app['id']}/secret")["secret"]

    def sign_on(self):
        """Steps 14-18: returns (authorization code, PKCE verifier, nonce)."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        params = urllib.parse.urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": REDIRECT,
            "scope": "openid profile email", "state": state, "nonce": nonce,
            "code_challenge": challenge, "code_challenge_method": "S256"})
        status, headers, _ = call("GET", f"{self.auth}/as/authorize?{params}")
        expect(status, 302, "authorize")
        flow_id = query_of(headers["Location"])["flowId"]
        jar = {}

        def keep(reply_headers):
            for cookie in reply_headers.get_all("Set-Cookie") or []:
                name, _, value = cookie.split(";", 1)[0].partition("=")
                jar[name.strip()] = value.strip()

        def cookies():
            return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}

        keep(headers)
        flow_url = f"{self.auth}/flows/{flow_id}"
        status, _, flow = call("GET", flow_url, headers=cookies())
        expect(status, 200, "read the flow", flow)
        assert flow["status"] == "SIGN_ON_REQUIRED", flow
        status, headers, flow = call("POST", flow_url, body={"username": USERNAME}, headers={
            **cookies(), "Content-Type": "application/vnd.pingidentity.user.lookup+json"})
        expect(status, 200, "user.lookup", flow)
        assert flow["status"] == "OTP_REQUIRED", flow
        keep(headers)
        # The e-mailed passcode: the outbox waits for it instead of the test polling in a loop.
        status, _, outbox = call("GET", f"{self.info['outbox_url']}?to={urllib.parse.quote(EMAIL)}&wait=5s")
        expect(status, 200, "outbox", outbox)
        assert outbox["messages"], "no e-mail arrived within 5 s"
        otp = outbox["messages"][0]["otp"]
        status, headers, flow = call("POST", flow_url, body={"otp": otp}, headers={
            **cookies(), "Content-Type": "application/vnd.pingidentity.otp.check+json"})
        expect(status, 200, "otp.check", flow)
        assert flow["status"] == "COMPLETED", flow
        keep(headers)
        status, headers, _ = call("GET", f"{self.auth}/as/resume?flowId={flow_id}", headers=cookies())
        expect(status, 302, "resume")
        back = query_of(headers["Location"])
        assert back["state"] == state, back
        return back["code"], verifier, nonce

    def exchange(self, code, verifier):
        """Step 20."""
        return call("POST", f"{self.auth}/as/token", headers=basic(self.client_id, self.client_secret), form={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier})

    def advance_clock(self, by):
        status, _, clock = call("POST", f"{self.info['controls_url']}/clock", body={"advance": by})
        expect(status, 200, "advance the clock", clock)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PINGONE_SIM_BIN", "")
    if not binary:
        sys.exit("usage: test_sim_from_python.py PATH_TO_PINGONE_SIM (or set PINGONE_SIM_BIN)")
    sim = subprocess.Popen([binary, "--bind", "127.0.0.1:0"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    try:
        ready = json.loads(sim.stdout.readline())
        status, _, created = call("POST", f"{ready['controls_url']}/environments")
        expect(status, 201, "create an environment", created)
        env = Environment(created)
        assert env.id != ready["environment_id"]
        env.provision()

        code, verifier, nonce = env.sign_on()
        status, _, tokens = env.exchange(code, verifier)
        expect(status, 200, "token exchange", tokens)
        payload = tokens["id_token"].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["nonce"] == nonce and claims["preferred_username"] == USERNAME, claims

        # A code lives 60 s: advance this environment's clock past it and see it refused.
        code, verifier, _ = env.sign_on()
        env.advance_clock("61s")
        status, _, refused = env.exchange(code, verifier)
        expect(status, 400, "an expired code", refused)
        assert refused["error"] == "invalid_grant", refused

        # The default environment saw none of it.
        default = Environment(ready)
        assert default.api("GET", "users")["count"] == 0
        print("python: sign-on in an isolated environment, OTP from the outbox wait, expired code refused: ok")
    finally:
        sim.send_signal(signal.SIGTERM)
        exit_code = sim.wait(timeout=10)
    if exit_code != 0:
        sys.exit(f"pingone-sim exited with {exit_code}")


if __name__ == "__main__":
    main()
