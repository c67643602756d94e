"""A token issuer for distribution's `auth: token` mode: the license-proxy model in miniature.

    python3 tokenserver.py --certdir D --user U --password P [--port N] [--issuer I]

Writes D/cert.pem (the registry's rootcertbundle), then serves GET /token?service=S&scope=… :
valid Basic credentials get an RS256 JWT granting the requested repository scopes; anything else
gets 401. GET /stats reports {"tokens_issued": N}. Prints {"port": P} once ready; exits on SIGTERM
or when stdin closes.
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


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_certificate(directory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stowage-test-issuer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "cert.pem"), "wb") as out:
        out.write(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


class Issuer:
    def __init__(self, key, cert, issuer, user, password):
        self.key, self.issuer, self.user, self.password = key, issuer, user, password
        self.x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        self.issued = 0
        self.lock = threading.Lock()

    def sign(self, service, access):
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [self.x5c]}
        claims = {"iss": self.issuer, "sub": self.user, "aud": service, "exp": now + 300, "nbf": now - 10,
                  "iat": now, "jti": secrets.token_hex(8), "access": access}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        with self.lock:
            self.issued += 1
        return signing_input + "." + b64url(signature)

    def authorized(self, header):
        if not header or not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(user, self.user) and secrets.compare_digest(password, self.password)


def scope_access(scopes):
    access = []
    for scope in scopes:
        for part in scope.split(" "):
            kind, _, rest = part.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind in ("repository", "registry") and name:
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
    return access


def handler_for(issuer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path == "/stats":
                return self.reply(200, {"tokens_issued": issuer.issued})
            if url.path != "/token":
                return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such endpoint"}]})
            if not issuer.authorized(self.headers.get("Authorization")):
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "invalid credentials"}]})
            query = urllib.parse.parse_qs(url.query)
            token = issuer.sign(query.get("service", [""])[0], scope_access(query.get("scope", [])))
            issued_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.reply(200, {"token": token, "access_token": token, "expires_in": 300, "issued_at": issued_at})

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certdir", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--issuer", default="stowage-test-issuer")
    args = parser.parse_args()
    key, cert = make_certificate(args.certdir)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(Issuer(key, cert, args.issuer, args.user, args.password)))
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
