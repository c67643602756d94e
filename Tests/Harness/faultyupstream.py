"""A protocol-faithful fake registry for the faults a real registry cannot produce on demand.

    python3 faultyupstream.py [--user U --password P] [--slow-seconds S]

Listens on 127.0.0.1 (HTTP/1.1, Docker-Distribution-API-Version: registry/2.0, OCI JSON error
bodies) and serves GET/HEAD /v2/, /v2/<name>/manifests/<1.0 or digest> and /v2/<name>/blobs/<digest>
for one small OCI image per repository (imagegen.small_image, seeded by the repository name, so
every repository has digests of its own):

  good/app         everything correct
  ratelimited/app  every manifest and blob request: 429 TOOMANYREQUESTS with Retry-After: 17
  corrupt/app      blob GET: the right length, but every byte flipped (the digest does not match)
  dropped/app      blob GET: headers with the full Content-Length, half the body, a second's pause, then the socket closes
  slow/app         blob GET: headers, then the body trickled over --slow-seconds (default 4)
  hang/app         any request waits 60 s before it is answered
  missing/app      its layer is missing: HEAD and GET of it answer 404 BLOB_UNKNOWN (manifest and config are fine)
  chunked/app      blob GET: Transfer-Encoding: chunked and no Content-Length (the length is known only at the end)
  stalled/app      blob GET: headers with the full Content-Length, half the body, then nothing for 60 s (the socket stays open)
  truncated/app    blob GET: headers with the full Content-Length, then the socket closes before the body's first byte
  redirect/app     blob GET: 307 to http://<redirectHost>/blobdata/<digest>, a second listener on
                   127.0.0.2 (on 127.0.0.1 if that cannot bind) that serves the bytes
  flip/app         two images (tags 1.0 and 2.0) served correctly until POST /_fault/<fault> turns a
                   fault on for this repository (POST /_fault/none turns it off again): hang,
                   ratelimited, dropped, slow and stalled behave as the repositories above, corrupt
                   alters its manifests' bytes as well as its blobs', failing answers every manifest
                   and blob request 500 with an OCI error body, refusing answers them 401 (as when
                   credentials are revoked); for the fault matrix, which caches first, then fails
  huge/app         with --huge-mib N: one blob of N MiB (no manifest), generated as it is sent and
                   sent at --huge-rate-mib MiB/s; its digest and size are in the start-up line

With --tls-self-signed DIR the registry listener speaks TLS with a certificate for 127.0.0.1 that
no client trusts (written to DIR), for the failures a client meets there.

Listings ignore `n` and `last`, as a license proxy's do: GET /v2/_catalog lists every repository
above at once, and GET /v2/<name>/tags/list lists LISTED_TAGS at once, without a Link header.

With --user/--password every /v2 request without those Basic credentials gets 401 and
`WWW-Authenticate: Basic realm="faulty"`. Every request on either listener is recorded as
{"method", "path", "host", "authorization": whether an Authorization header came}: GET /_requests
lists them, POST /_reset clears them. Once listening it prints one JSON line

    {"port": P, "redirectHost": "127.0.0.2:P2", "images": [imagegen's image shape, one per repository]}

and runs until SIGTERM or until its stdin closes.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import imagegen

REPOSITORIES = ["good/app", "ratelimited/app", "corrupt/app", "dropped/app", "slow/app", "hang/app", "redirect/app", "missing/app",
                "chunked/app", "stalled/app", "truncated/app"]
HANG_SECONDS = 60
TRICKLE_STEPS = 40
FLIP = bytes(255 - value for value in range(256))
LISTED_TAGS = ["latest", "2.0", "1.1", "1.0", "0.9"]
FLIP_REPOSITORY = "flip/app"
FAULTS = {"hang", "ratelimited", "corrupt", "dropped", "slow", "stalled", "failing", "refusing"}
TAGS_ROUTE = re.compile(r"^/v2/(?P<name>.+)/tags/list$")
ROUTE = re.compile(r"^/v2/(?P<name>.+)/(?P<kind>manifests|blobs)/(?P<reference>[^/]+)$")


class Fake:
    """The images, the credentials and the record of requests, shared by both listeners."""

    def __init__(self, user, password, slow_seconds, huge_mib=0, huge_rate_mib=32.0):
        self.authorization = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode() if user else None
        self.slow_seconds = slow_seconds
        self.images = {repository: imagegen.small_image(repository, layer_size=(1 << 20) if repository == "slow/app" else 256 << 10)
                       for repository in REPOSITORIES}
        self.blobs = {repository: {imagegen.digest_of(data): data for data, _ in image.all_blobs()}
                      for repository, image in self.images.items()}
        self.flip_images = [imagegen.small_image(FLIP_REPOSITORY), imagegen.small_image(FLIP_REPOSITORY, "2.0")]
        self.blobs[FLIP_REPOSITORY] = {imagegen.digest_of(data): data for image in self.flip_images for data, _ in image.all_blobs()}
        self.fault = None
        missing = self.images["missing/app"].all_blobs()[-1][0]
        del self.blobs["missing/app"][imagegen.digest_of(missing)]
        self.redirect_host = None
        self.huge_mib = huge_mib
        self.huge_rate = huge_rate_mib * (1 << 20)
        self.huge_digest = None
        if huge_mib:
            hasher = hashlib.sha256()
            for index in range(huge_mib):
                hasher.update(huge_chunk(index))
            self.huge_digest = "sha256:" + hasher.hexdigest()
        self.lock = threading.Lock()
        self.requests = []

    def manifest(self, repository, reference):
        images = self.flip_images if repository == FLIP_REPOSITORY else [self.images[repository]]
        return next((image for image in images if reference in (image.tag, image.digest)), None)

    def behaviour(self, repository):
        """How `repository` answers: its fault (the part of its name before the slash), or for
        flip/app the fault POST /_fault turned on ("good" while none is)."""
        if repository == FLIP_REPOSITORY:
            return self.fault or "good"
        return repository.split("/")[0]

    def known(self, repository):
        return repository in self.images or repository == FLIP_REPOSITORY

    def record(self, handler):
        with self.lock:
            self.requests.append({"method": handler.command, "path": handler.path, "host": handler.headers.get("Host"),
                                  "authorization": "Authorization" in handler.headers})

    def recorded(self):
        with self.lock:
            return list(self.requests)

    def reset(self):
        with self.lock:
            self.requests.clear()


def huge_chunk(index):
    """MiB number `index` of huge/app's blob: its own 32 bytes, repeated."""
    return hashlib.sha256(index.to_bytes(8, "big")).digest() * (1 << 15)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler, fake):
        super().__init__(address, handler)
        self.fake = fake

    def handle_error(self, request, client_address):
        """Clients that hang up mid-response are part of the game; anything else is a bug worth printing."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Response helpers shared by both listeners."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def start(self, status, headers):
        self.send_response(status)
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def reply(self, status, body=b"", headers=None):
        """A complete response; a HEAD gets the headers (and Content-Length) without the body."""
        self.start(status, dict(headers or {}, **{"Content-Length": str(len(body))}))
        if self.command != "HEAD":
            self.wfile.write(body)

    def error(self, status, code, message, headers=None):
        body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
        self.reply(status, body, dict(headers or {}, **{"Content-Type": "application/json"}))

    def json(self, value):
        self.reply(200, json.dumps(value).encode(), {"Content-Type": "application/json"})

    def discard_body(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def blob(self, data, digest):
        self.reply(200, data, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest})


class RegistryHandler(Handler):
    """The registry API on the main listener, with each repository's fault."""

    def do_GET(self):
        if self.path == "/_requests":
            return self.reply(200, json.dumps(self.server.fake.recorded()).encode(), {"Content-Type": "application/json"})
        self.server.fake.record(self)
        if not self.path.startswith("/v2"):
            return self.error(404, "NOT_FOUND", "no such endpoint")
        if self.server.fake.authorization and self.headers.get("Authorization") != self.server.fake.authorization:
            return self.error(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": 'Basic realm="faulty"'})
        if self.path in ("/v2", "/v2/"):
            return self.reply(200, b"{}", {"Content-Type": "application/json"})
        path = self.path.split("?")[0]
        if path == "/v2/_catalog":
            return self.json({"repositories": REPOSITORIES + [FLIP_REPOSITORY]})
        listing = TAGS_ROUTE.match(path)
        if listing and self.server.fake.known(listing["name"]):
            return self.json({"name": listing["name"], "tags": LISTED_TAGS})
        route = ROUTE.match(path)
        if not route:
            return self.error(404, "NOT_FOUND", "no such endpoint")
        if route["name"] == "huge/app" and self.server.fake.huge_digest == route["reference"]:
            return self.huge()
        if not self.server.fake.known(route["name"]):
            return self.error(404, "NAME_UNKNOWN", "repository name not known to registry")
        self.serve(route["name"], route["kind"], route["reference"])

    do_HEAD = do_GET

    def do_POST(self):
        self.discard_body()
        if self.path == "/_reset":
            self.server.fake.reset()
            return self.reply(200, b"{}", {"Content-Type": "application/json"})
        if self.path.startswith("/_fault/"):
            fault = self.path.removeprefix("/_fault/")
            if fault != "none" and fault not in FAULTS:
                return self.error(400, "UNSUPPORTED", f"no fault {fault}; one of none, {', '.join(sorted(FAULTS))}")
            self.server.fake.fault = None if fault == "none" else fault
            return self.reply(200, b"{}", {"Content-Type": "application/json"})
        self.unsupported()

    def unsupported(self):
        self.server.fake.record(self)
        self.close_connection = True
        self.error(405, "UNSUPPORTED", "this fake registry is read-only")

    do_PUT = do_PATCH = do_DELETE = unsupported

    def serve(self, repository, kind, reference):
        fake = self.server.fake
        behaviour = fake.behaviour(repository)
        if behaviour == "hang":
            time.sleep(HANG_SECONDS)
        if behaviour == "ratelimited":
            return self.error(429, "TOOMANYREQUESTS", "too many requests", {"Retry-After": "17"})
        if behaviour == "failing":
            return self.error(500, "UNKNOWN", "internal server error")
        if behaviour == "refusing":
            return self.error(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": 'Basic realm="faulty"'})
        if kind == "manifests":
            image = fake.manifest(repository, reference)
            if image is None:
                return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            body = image.manifest + b" " if behaviour == "corrupt" and repository == FLIP_REPOSITORY else image.manifest
            return self.reply(200, body, {"Content-Type": image.media_type, "Docker-Content-Digest": image.digest})
        data = fake.blobs[repository].get(reference)
        if data is None:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        if self.command == "HEAD" or behaviour in ("good", "hang"):
            return self.blob(data, reference)
        if behaviour == "corrupt":
            return self.blob(data.translate(FLIP), reference)
        if behaviour == "redirect":
            return self.reply(307, b"", {"Location": f"http://{fake.redirect_host}/blobdata/{reference}"})
        if behaviour == "chunked":
            self.start(200, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": reference, "Transfer-Encoding": "chunked"})
            for step in range(4):
                part = data[step * len(data) // 4:(step + 1) * len(data) // 4]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return
        self.start(200, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": reference,
                         "Content-Length": str(len(data))})
        if behaviour == "stalled":
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            time.sleep(HANG_SECONDS)
            self.close_connection = True
            return
        if behaviour == "truncated":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if behaviour == "dropped":
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            time.sleep(1)  # long enough for every concurrent client to be following the fetch
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        for step in range(TRICKLE_STEPS):
            self.wfile.write(data[step * len(data) // TRICKLE_STEPS:(step + 1) * len(data) // TRICKLE_STEPS])
            self.wfile.flush()
            time.sleep(fake.slow_seconds / TRICKLE_STEPS)


    def huge(self):
        """huge/app's blob, generated MiB by MiB and paced at --huge-rate-mib."""
        fake = self.server.fake
        size = fake.huge_mib << 20
        self.start(200, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": fake.huge_digest,
                         "Content-Length": str(size)})
        if self.command == "HEAD":
            return
        started = time.monotonic()
        for index in range(fake.huge_mib):
            self.wfile.write(huge_chunk(index))
            self.wfile.flush()
            ahead = (index + 1) * (1 << 20) / fake.huge_rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)


class BlobDataHandler(Handler):
    """The redirect target: /blobdata/<digest> of redirect/app, no credentials asked for."""

    def do_GET(self):
        self.server.fake.record(self)
        digest = self.path.removeprefix("/blobdata/")
        data = self.server.fake.blobs["redirect/app"].get(digest)
        if data is None:
            return self.error(404, "BLOB_UNKNOWN", "blob unknown")
        self.blob(data, digest)

    do_HEAD = do_GET


def listen(addresses, handler, fake, tls=None):
    """A server on the first of `addresses` that binds, serving on a thread of its own (over TLS
    with the `ssl.SSLContext` `tls`)."""
    *preferred, last = addresses
    for address in preferred:
        try:
            server = Server(address, handler, fake)
            break
        except OSError:
            continue
    else:
        server = Server(last, handler, fake)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def self_signed_context(directory):
    """A server context with a new self-signed certificate for 127.0.0.1 (no client trusts it)."""
    import datetime
    import ssl
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "faulty upstream")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as f:
        f.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def main():
    # A parent that spawned us from a thread may have had SIGTERM/SIGINT blocked (Foundation's
    # Process passes its mask on); without this, stopping us would need SIGKILL and orphan children.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--slow-seconds", type=float, default=4.0, help="how long slow/app trickles a blob body")
    parser.add_argument("--huge-mib", type=int, default=0, help="size of huge/app's one blob (none by default)")
    parser.add_argument("--huge-rate-mib", type=float, default=32.0, help="MiB/s at which huge/app's blob is sent")
    parser.add_argument("--tls-self-signed", metavar="DIR",
                        help="serve the registry over TLS with a self-signed certificate written to DIR")
    args = parser.parse_args()
    if (args.user is None) != (args.password is None):
        parser.error("--user and --password go together")
    fake = Fake(args.user, args.password, args.slow_seconds, args.huge_mib, args.huge_rate_mib)
    tls = self_signed_context(args.tls_self_signed) if args.tls_self_signed else None
    server = listen([("127.0.0.1", 0)], RegistryHandler, fake, tls)
    port = server.server_address[1]
    redirect = listen([("127.0.0.2", port), ("127.0.0.2", 0), ("127.0.0.1", 0)], BlobDataHandler, fake)
    fake.redirect_host = "%s:%d" % redirect.server_address
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    huge = {"digest": fake.huge_digest, "size": fake.huge_mib << 20} if fake.huge_digest else None
    print(json.dumps({"port": port, "redirectHost": fake.redirect_host, "huge": huge,
                      "images": [image.describe() for image in list(fake.images.values()) + fake.flip_images]}), flush=True)
    try:
        while os.read(0, 4096):
            pass
    except (KeyboardInterrupt, OSError):
        pass


if __name__ == "__main__":
    main()
