"""A token issuer for distribution's `auth: token` mode, for tests.

    python3 tokenserver.py --certdir D --user U --password P [--port N] [--issuer I]

Generates an RSA 2048 key and a self-signed certificate, writes D/cert.pem (the registry's
rootcertbundle), prints {"port": P} once listening on 127.0.0.1, and serves until SIGTERM:

  GET /token?service=S&scope=…[&scope=…][&account=A]
      valid Basic credentials: 200 {"token", "access_token", "expires_in": 300, "issued_at"} with an
      RS256 JWT (header alg/typ/x5c; claims iss, sub, aud = S as a string, exp, nbf, iat, jti, access)
      granting every requested repository:<name>:<actions> scope and registry:catalog:*;
      missing or wrong credentials: 401 with a JSON error body.
  GET /stats  ->  {"tokens_issued": N}
"""
import argparse
import base64
import datetime
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

LIFETIME = 300


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_certificate(directory, common_name):
    """A fresh RSA key and a self-signed certificate for it, written to directory/cert.pem."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "cert.pem"), "wb") as out:
        out.write(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def requested_access(scopes):
    """`repository:app/oci:pull,push registry:catalog:*` -> [{"type", "name", "actions"}]."""
    access = []
    for scope in " ".join(scopes).split():
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        if (kind == "repository" and name and actions) or (kind == "registry" and name == "catalog"):
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
    return access


class Issuer:
    """Checks credentials and signs tokens; counts what it issued."""

    def __init__(self, key, cert, issuer, user, password):
        self.key, self.issuer, self.user, self.password = key, issuer, user, password
        self.x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        self.lock = threading.Lock()
        self.issued = 0

    def accepts(self, authorization):
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(user.encode(), self.user.encode()) and secrets.compare_digest(password.encode(), self.password.encode())

    def token(self, service, access):
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [self.x5c]}
        claims = {"iss": self.issuer, "sub": self.user, "aud": service, "exp": now + LIFETIME, "nbf": now - 10,
                  "iat": now, "jti": secrets.token_hex(16), "access": access}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        with self.lock:
            self.issued += 1
        return signing_input + "." + b64url(signature)

    def tokens_issued(self):
        with self.lock:
            return self.issued


def handler_for(issuer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/stats":
                return self.reply(200, {"tokens_issued": issuer.tokens_issued()})
            if url.path != "/token":
                return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such endpoint"}]})
            if not issuer.accepts(self.headers.get("Authorization")):
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "invalid username or password"}]},
                                  [("WWW-Authenticate", f'Basic realm="{issuer.issuer}"')])
            query = urllib.parse.parse_qs(url.query)
            token = issuer.token(query.get("service", [""])[0], requested_access(query.get("scope", [])))
            issued_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.reply(200, {"token": token, "access_token": token, "expires_in": LIFETIME, "issued_at": issued_at})

    return Handler


def main():
    # A parent that spawned us from a thread may have had SIGTERM/SIGINT blocked (Foundation's
    # Process passes its mask on); without this, stopping us would need SIGKILL and orphan children.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certdir", required=True, help="where cert.pem is written")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--issuer", default="stowage-test-issuer", help="the iss claim (the registry's auth.token.issuer)")
    args = parser.parse_args()
    key, cert = make_certificate(args.certdir, args.issuer)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(Issuer(key, cert, args.issuer, args.user, args.password)))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
