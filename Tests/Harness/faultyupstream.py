"""A protocol-faithful fake registry for faults a real registry cannot produce on demand.

    python3 faultyupstream.py [--user U --password P] [--slow-seconds S]

Serves one small generated OCI image under each repository below, over real HTTP/1.1 on 127.0.0.1:
  good/app         everything correct
  ratelimited/app  every manifest and blob request: 429 TOOMANYREQUESTS, Retry-After: 17
  corrupt/app      blob bytes of the right length that do not match the digest
  dropped/app      blob headers with the full Content-Length, half the bytes, then the socket closes
  slow/app         blob body trickled over --slow-seconds (for kill-mid-download tests)
  hang/app         every request waits 60 s before answering
  redirect/app     blob GET: 307 to a second listener (another loopback host) serving /blobdata/<digest>
GET /_requests lists what arrived ({method, path, host, authorization}); POST /_reset clears it.
Prints {"port", "redirectHost", "images"} once ready; exits on SIGTERM or when stdin closes.
"""
import argparse
import base64
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import imagegen

REPOSITORIES = ["good/app", "ratelimited/app", "corrupt/app", "dropped/app", "slow/app", "hang/app", "redirect/app"]


class State:
    def __init__(self, args):
        self.args = args
        self.images = {}
        self.blobs = {}
        self.manifests = {}
        for repository in REPOSITORIES:
            image = imagegen.single_image(repository, layer_size=2 << 20 if repository == "slow/app" else 256 << 10)
            self.images[repository] = image
            digest = imagegen.sha256(image.manifest)
            self.manifests[(repository, image.tag)] = self.manifests[(repository, digest)] = image
            for data, _ in image.blobs:
                self.blobs[imagegen.sha256(data)] = data
        self.requests = []
        self.lock = threading.Lock()
        self.redirect_host = None

    def record(self, handler):
        with self.lock:
            self.requests.append({"method": handler.command, "path": handler.path, "host": handler.headers.get("Host"),
                                  "authorization": handler.headers.get("Authorization") is not None})


def handler_for(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send(self, status, body=b"", headers=None, head=False):
            self.send_response(status)
            self.send_header("Docker-Distribution-API-Version", "registry/2.0")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def error(self, status, code, message, headers=None):
            body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
            self.send(status, body, dict({"Content-Type": "application/json"}, **(headers or {})), head=self.command == "HEAD")

        def do_HEAD(self):
            self.do_GET()

        def do_POST(self):
            if self.path == "/_reset":
                with state.lock:
                    state.requests.clear()
                return self.send(200)
            self.error(405, "UNSUPPORTED", "read-only fake")

        def do_GET(self):
            if self.path == "/_requests":
                with state.lock:
                    return self.send(200, json.dumps(state.requests).encode(), {"Content-Type": "application/json"})
            state.record(self)
            if self.path.startswith("/blobdata/"):
                data = state.blobs.get(self.path[len("/blobdata/"):])
                return self.send(200, data, {"Content-Type": "application/octet-stream"}, head=self.command == "HEAD") if data else self.error(404, "BLOB_UNKNOWN", "no such blob")
            if not self.check_credentials():
                return self.error(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": 'Basic realm="faulty"'})
            if self.path in ("/v2", "/v2/"):
                return self.send(200, b"{}", {"Content-Type": "application/json"}, head=self.command == "HEAD")
            self.route()

        def check_credentials(self):
            if not state.args.user:
                return True
            expected = "Basic " + base64.b64encode(f"{state.args.user}:{state.args.password}".encode()).decode()
            return self.headers.get("Authorization") == expected

        def route(self):
            path = self.path.split("?")[0]
            for repository in REPOSITORIES:
                prefix = f"/v2/{repository}/"
                if path.startswith(prefix):
                    return self.serve(repository, path[len(prefix):])
            self.error(404, "NAME_UNKNOWN", "repository name not known to registry")

        def serve(self, repository, rest):
            head = self.command == "HEAD"
            if repository == "hang/app":
                time.sleep(60)
            if repository == "ratelimited/app":
                return self.error(429, "TOOMANYREQUESTS", "rate limited", {"Retry-After": "17"})
            kind, _, reference = rest.partition("/")
            if kind == "manifests":
                image = state.manifests.get((repository, reference))
                if image is None:
                    return self.error(404, "MANIFEST_UNKNOWN", "manifest unknown")
                return self.send(200, image.manifest, {"Content-Type": image.media_type,
                                                       "Docker-Content-Digest": imagegen.sha256(image.manifest)}, head=head)
            if kind != "blobs" or reference not in state.blobs:
                return self.error(404, "BLOB_UNKNOWN", "blob unknown")
            data = state.blobs[reference]
            headers = {"Content-Type": "application/octet-stream", "Docker-Content-Digest": reference}
            if head:
                return self.send(200, data, headers, head=True)
            if repository == "corrupt/app":
                return self.send(200, bytes(b ^ 0xFF for b in data), headers)
            if repository == "redirect/app":
                return self.send(307, b"", {"Location": f"http://{state.redirect_host}/blobdata/{reference}"})
            if repository in ("dropped/app", "slow/app"):
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if repository == "dropped/app":
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                steps = 50
                for i in range(steps):
                    self.wfile.write(data[i * len(data) // steps:(i + 1) * len(data) // steps])
                    self.wfile.flush()
                    time.sleep(state.args.slow_seconds / steps)
                return
            self.send(200, data, headers)

    return Handler


def listen(host, port, handler):
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--slow-seconds", type=float, default=4.0)
    args = parser.parse_args()
    state = State(args)
    handler = handler_for(state)
    server = listen("127.0.0.1", 0, handler)
    try:
        other = listen("127.0.0.2", 0, handler)
    except OSError:
        other = listen("127.0.0.1", 0, handler)
    state.redirect_host = f"{other.server_address[0]}:{other.server_address[1]}"
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    images = [image.describe() for image in state.images.values()]
    print(json.dumps({"port": server.server_address[1], "redirectHost": state.redirect_host, "images": images}), flush=True)
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    main()
