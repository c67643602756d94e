"""Starts Debian's docker-registry (CNCF distribution 2.8) on loopback, seeded with imagegen's images.

    python3 upstream.py --dir D --auth none|htpasswd|token --user U --password P [--port N] [--big-mib N]

Writes D/config.yml, starts `docker-registry serve` (stdout and stderr, access log included, appended
to D/registry.log) and, for --auth token, tokenserver.py (certificate in D/certs, log in
D/tokenserver.log). Once /v2/ answers it pushes the images as U (unless D/seeded.json exists from an
earlier run on the same D: then the data is reused and the stored description printed), and prints
one JSON line:

    {"url": "http://127.0.0.1:P", "port": P, "pid": registry pid, "log": "D/registry.log",
     "tokenPort": P or null, "images": [imagegen's images]}

It then runs until SIGTERM or SIGINT, until its stdin closes (the test holds a pipe to it), or until
the registry dies, and stops the registry and token server on the way out. The children also get
SIGTERM if this launcher is killed outright. Give it a stdin that stays open: with </dev/null it
stops again as soon as it has started.
"""
import argparse
import ctypes
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
SERVICE = "stowage-test-registry"
ISSUER = "stowage-test-issuer"
PR_SET_PDEATHSIG = 1
LIBC = ctypes.CDLL(None, use_errno=True)


class Shutdown(Exception):
    """Raised in the main thread when it is time to stop."""


def request_shutdown(*_):
    raise Shutdown


def die_with_parent():
    """Runs in each child before exec: SIGTERM it when this launcher dies, however it dies."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def available_port(port):
    """`port` (or, for 0, a free one) after checking that nothing listens on it."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise SystemExit(f"127.0.0.1:{port} is not available: {error}")
        return probe.getsockname()[1]


def start_token_server(args, children):
    log_path = os.path.join(args.dir, "tokenserver.log")
    with open(log_path, "ab") as log:
        issuer = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "tokenserver.py"), "--certdir", os.path.join(args.dir, "certs"),
             "--user", args.user, "--password", args.password, "--issuer", ISSUER],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, preexec_fn=die_with_parent)
    children.append(issuer)
    line = issuer.stdout.readline()
    if not line:
        raise SystemExit(f"tokenserver.py did not start; see {log_path}")
    return json.loads(line)["port"]


def auth_config(args, token_port):
    if args.auth == "htpasswd":
        path = os.path.join(args.dir, "htpasswd")
        entry = subprocess.run(["htpasswd", "-Bbn", args.user, args.password], check=True, capture_output=True, text=True).stdout
        with open(path, "w") as out:
            out.write(entry.strip() + "\n")
        return {"htpasswd": {"realm": "stowage-test", "path": path}}
    if args.auth == "token":
        return {"token": {"realm": f"http://127.0.0.1:{token_port}/token", "service": SERVICE, "issuer": ISSUER,
                          "rootcertbundle": os.path.join(args.dir, "certs", "cert.pem")}}
    return None


def write_config(args, port, token_port):
    """The registry configuration (JSON, which is YAML too)."""
    config = {
        "version": "0.1",
        "log": {"level": "info", "accesslog": {"disabled": False}},
        "storage": {"filesystem": {"rootdirectory": os.path.join(args.dir, "data")}},
        "http": {"addr": f"127.0.0.1:{port}", "secret": "stowage-test-upload-secret"},
    }
    auth = auth_config(args, token_port)
    if auth:
        config["auth"] = auth
    path = os.path.join(args.dir, "config.yml")
    with open(path, "w") as out:
        json.dump(config, out, indent=2)
    return path


def start_registry(config, log_path, children):
    environment = {name: value for name, value in os.environ.items() if not name.startswith("REGISTRY_")}
    with open(log_path, "ab") as log:
        registry = subprocess.Popen(["docker-registry", "serve", config], stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=log, env=environment, preexec_fn=die_with_parent)
    children.append(registry)
    return registry


def wait_until_answering(url, registry, seconds=20):
    """Polls /v2/ until it answers 200 or 401."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if registry.poll() is not None:
            raise SystemExit(f"docker-registry exited with status {registry.returncode}")
        try:
            urllib.request.urlopen(url + "/v2/", timeout=2).read()
            return
        except urllib.error.HTTPError as error:
            if error.code == 401:
                return
            raise SystemExit(f"docker-registry answered /v2/ with {error.code}")
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"docker-registry did not answer within {seconds} s")


def seeded_images(args, url):
    """The images pushed to the registry, pushing them unless an earlier run on this --dir did."""
    path = os.path.join(args.dir, "seeded.json")
    if not os.path.exists(path):
        user, password = (None, None) if args.auth == "none" else (args.user, args.password)
        sized = [(spec.split("=", 1)[0], int(spec.split("=", 1)[1])) for spec in args.sized]
        seeded = imagegen.seed_registry(url, user, password, args.big_mib, sized, args.seed)
        with open(path + ".tmp", "w") as out:
            json.dump(seeded, out)
        os.replace(path + ".tmp", path)
    with open(path) as stored:
        return json.load(stored)["images"]


def watch_stdin():
    """Asks the main thread to stop once stdin reaches end of file."""
    def watch():
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        # To the main thread itself: a process-directed signal may land on this thread, and the
        # main thread, blocked in waitpid, would then never run the handler.
        signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def stop(children):
    # Killed outright: a test that stops its upstream wants it gone at once, not after a drain.
    for child in children:
        if child.poll() is None:
            child.kill()
    for child in children:
        child.wait()


def main():
    # A parent that spawned us from a thread may have had SIGTERM/SIGINT blocked (Foundation's
    # Process passes its mask on); without this, stopping us would need SIGKILL and orphan children.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="registry data, config and logs")
    parser.add_argument("--auth", choices=["none", "htpasswd", "token"], default="htpasswd")
    parser.add_argument("--user", default="customer@example.com")
    parser.add_argument("--password", default="license-id")
    parser.add_argument("--port", type=int, help="listen on this port (e.g. to restart on the same data)")
    parser.add_argument("--big-mib", type=int, help="also seed big/blob:1.0 with a layer of this many MiB")
    parser.add_argument("--seed", type=int, default=imagegen.STANDARD_SEED,
                        help="make the standard images from this seed (another seed: same names, other content)")
    parser.add_argument("--sized", action="append", default=[], metavar="REPO=BYTES",
                        help="also seed REPO:1.0 with one layer of BYTES random bytes (repeatable)")
    args = parser.parse_args()
    args.dir = os.path.abspath(args.dir)
    os.makedirs(args.dir, exist_ok=True)

    children = []
    signal.signal(signal.SIGTERM, request_shutdown)
    signal.signal(signal.SIGINT, request_shutdown)
    try:
        token_port = start_token_server(args, children) if args.auth == "token" else None
        port = available_port(args.port or 0)
        log_path = os.path.join(args.dir, "registry.log")
        registry = start_registry(write_config(args, port, token_port), log_path, children)
        watch_stdin()
        url = f"http://127.0.0.1:{port}"
        wait_until_answering(url, registry)
        print(json.dumps({"url": url, "port": port, "pid": registry.pid, "log": log_path, "tokenPort": token_port,
                          "images": seeded_images(args, url)}), flush=True)
        registry.wait()
        sys.exit(f"docker-registry exited with status {registry.returncode}; see {log_path}")
    except imagegen.PushError as error:
        sys.exit(f"seeding {args.dir} failed: {error}")
    except Shutdown:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop(children)


if __name__ == "__main__":
    main()
