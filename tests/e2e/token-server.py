#!/usr/bin/python3
"""Bearer-token realm for the e2e world's token registry (Docker-Hub-style auth).

Serves GET /token on loopback: anonymous callers get `pull`, callers with the right Basic
credentials get `pull,push,delete,*`; a wrong password gets 401. Tokens are RS256 JWTs with the
signing certificate in `x5c`, as docker-registry's `auth.token` expects. Every request is logged
as one JSON line so tests can assert which scopes a client asked for and whether it sent
credentials. Run with Debian's /usr/bin/python3 (python3-jwt, python3-cryptography).
"""

import argparse
import base64
import datetime
import json
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

ALL_ACTIONS = ["pull", "push", "delete", "*"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--listen", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True, help="PEM private key of the signing certificate")
    p.add_argument("--cert", required=True, help="PEM signing certificate (issued by the registry's CA)")
    p.add_argument("--issuer", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--lifetime", type=int, default=300, help="token lifetime in seconds")
    p.add_argument("--log", required=True, help="JSON-lines request log")
    return p.parse_args()


def parse_scope(text):
    """`type:name:actions`; the name keeps any colons in the middle."""
    first = text.find(":")
    last = text.rfind(":")
    if first < 0 or last == first:
        return None
    kind, name, actions = text[:first], text[first + 1:last], text[last + 1:]
    return kind, name, [a for a in actions.split(",") if a]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    cfg = None
    key = None
    x5c = None

    def log_message(self, fmt, *args):  # silence the default stderr access log
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def record(self, entry):
        with open(self.cfg.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def authenticate(self):
        """Returns (user, authenticated, ok)."""
        header = self.headers.get("Authorization")
        if not header:
            return "", False, True
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return "", False, False
        try:
            user, _, password = base64.b64decode(value.strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return "", False, False
        ok = user == self.cfg.user and password == self.cfg.password
        return user, ok, ok

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        user, authenticated, ok = self.authenticate()
        entry = {"path": self.path, "user": user, "authenticated": authenticated,
                 "sent_credentials": "Authorization" in self.headers}
        if url.path != "/token":
            entry["status"] = 404
            self.record(entry)
            self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such endpoint"}]})
            return
        if not ok:
            entry["status"] = 401
            self.record(entry)
            self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "invalid credentials"}]},
                       [("WWW-Authenticate", 'Basic realm="test-token-realm"')])
            return
        allowed = ALL_ACTIONS if authenticated else ["pull"]
        access = []
        for value in query.get("scope", []):
            for scope in value.split():
                parsed = parse_scope(scope)
                if parsed is None:
                    continue
                kind, name, asked = parsed
                granted = [a for a in asked if a in allowed]
                access.append({"type": kind, "name": name, "actions": granted})
        now = int(time.time())
        claims = {
            "iss": self.cfg.issuer,
            "aud": query.get("service", [""])[0],
            "sub": user if authenticated else "",
            "iat": now,
            "nbf": now - 10,
            "exp": now + self.cfg.lifetime,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"x5c": [self.x5c]})
        issued = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
        entry["status"] = 200
        entry["access"] = access
        self.record(entry)
        self.reply(200, {"token": token, "access_token": token, "expires_in": self.cfg.lifetime,
                         "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%SZ")})


def main():
    cfg = parse_args()
    with open(cfg.key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    with open(cfg.cert, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    Handler.cfg = cfg
    Handler.key = key
    Handler.x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    server = ThreadingHTTPServer((cfg.listen, cfg.port), Handler)
    sys.stderr.write(f"token server listening on {cfg.listen}:{cfg.port}\n")
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
