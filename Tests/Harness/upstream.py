"""Starts Debian's docker-registry (CNCF distribution) on a free loopback port, seeded with the
deterministic test images, for Stowage's integration tests.

    python3 upstream.py --dir D --auth none|htpasswd|token --user U --password P [--port N] [--big-mib N]

Prints one JSON line {"url", "port", "pid", "log", "tokenPort", "images"} once the registry answers
and is seeded, then runs until SIGTERM/SIGINT or until its stdin closes (the test process holds
it), and stops the registry and token server it started. With an existing D (a restart), the data
is kept and not seeded again.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import imagegen

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def auth_section(args, token_port):
    if args.auth == "htpasswd":
        htpasswd = os.path.join(args.dir, "htpasswd")
        line = subprocess.run(["htpasswd", "-Bbn", args.user, args.password], check=True, capture_output=True, text=True).stdout
        with open(htpasswd, "w") as out:
            out.write(line.strip() + "\n")
        return f"auth:\n  htpasswd:\n    realm: stowage-test\n    path: {htpasswd}\n"
    if args.auth == "token":
        return ("auth:\n  token:\n"
                f"    realm: http://127.0.0.1:{token_port}/token\n"
                "    service: stowage-test-registry\n"
                "    issuer: stowage-test-issuer\n"
                f"    rootcertbundle: {os.path.join(args.dir, 'certs', 'cert.pem')}\n")
    return ""


def wait_until_up(url, process, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"docker-registry exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "/v2/", timeout=1).read()
            return
        except urllib.error.HTTPError as error:
            if error.code == 401:
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("docker-registry did not answer")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--auth", choices=["none", "htpasswd", "token"], default="htpasswd")
    parser.add_argument("--user", default="customer@example.com")
    parser.add_argument("--password", default="license-id")
    parser.add_argument("--port", type=int)
    parser.add_argument("--big-mib", type=int)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    children = []

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    token_port = None
    if args.auth == "token":
        issuer = subprocess.Popen([sys.executable, os.path.join(HERE, "tokenserver.py"), "--certdir", os.path.join(args.dir, "certs"),
                                   "--user", args.user, "--password", args.password],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        children.append(issuer)
        token_port = json.loads(issuer.stdout.readline())["port"]

    port = args.port or free_port()
    config = os.path.join(args.dir, "config.yml")
    with open(config, "w") as out:
        out.write("version: 0.1\n"
                  f"storage:\n  filesystem:\n    rootdirectory: {os.path.join(args.dir, 'data')}\n  delete:\n    enabled: true\n"
                  f"http:\n  addr: 127.0.0.1:{port}\n"
                  "log:\n  level: info\n  accesslog:\n    disabled: false\n"
                  + auth_section(args, token_port))
    log_path = os.path.join(args.dir, "registry.log")
    log = open(log_path, "a")
    registry = subprocess.Popen(["docker-registry", "serve", config], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    children.append(registry)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, registry)

    seeded_path = os.path.join(args.dir, "seeded.json")
    if os.path.exists(seeded_path):
        with open(seeded_path) as seeded:
            images = json.load(seeded)["images"]
    else:
        images = imagegen.seed(url, args.user if args.auth != "none" else None, args.password, args.big_mib)["images"]
        with open(seeded_path, "w") as seeded:
            json.dump({"images": images}, seeded)

    print(json.dumps({"url": url, "port": port, "pid": registry.pid, "log": log_path, "tokenPort": token_port, "images": images}), flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), stop()), daemon=True).start()
    registry.wait()
    stop()


if __name__ == "__main__":
    main()
