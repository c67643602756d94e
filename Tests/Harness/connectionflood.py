"""Slowloris and idle connections against a running Stowage, while a normal client is timed.

    python3 connectionflood.py --port P --pid PID --path /v2/app/oci/manifests/1.0 \
        [--idle 2000] [--slow 500] [--trickle-seconds 1] [--observe-seconds 3] [--close-within 12]

Opens `--idle` connections that send nothing and `--slow` connections that send a request head one
byte every `--trickle-seconds`. For `--observe-seconds` it times a normal client (a new connection,
`GET --path` with every manifest media type accepted) every 100 ms. Then it waits up to
`--close-within` seconds for the server to close every flood connection. The normal client is timed
from the moment the server holds every flood connection, and counts the server's
open descriptors (/proc/PID/fd) before, at the peak and after. Prints one JSON line; every
connection goes to 127.0.0.1 and everything it opened is closed before it exits.
"""
import argparse
import http.client
import json
import os
import resource
import selectors
import socket
import time

ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
])
SLOW_HEAD = b"GET /v2/ HTTP/1.1\r\nHost: slowloris\r\nX-Padding: " + b"x" * 200 + b"\r\n\r\n"


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def timed_get(port, path):
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Accept": ACCEPT})
        response = connection.getresponse()
        response.read()
        status = response.status
    finally:
        connection.close()
    return status, (time.monotonic() - started) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--slow", type=int, default=500)
    parser.add_argument("--trickle-seconds", type=float, default=1.0)
    parser.add_argument("--observe-seconds", type=float, default=3.0)
    parser.add_argument("--close-within", type=float, default=12.0)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    timed_get(args.port, args.path)  # warm: the manifest is cached, the upstream connection pooled
    time.sleep(0.2)
    baseline = descriptors(args.pid)

    selector = selectors.DefaultSelector()
    idle, slow = [], []
    for kind, count in (("idle", args.idle), ("slow", args.slow)):
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", args.port), timeout=5)
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, kind)
            (idle if kind == "idle" else slow).append(sock)
    for sock in slow:
        sock.send(SLOW_HEAD[:1])
    opened = time.monotonic()
    sent = 1
    # The normal client is timed once the server has accepted the whole flood.
    peak = descriptors(args.pid)
    while peak < baseline + len(idle) + len(slow) and time.monotonic() - opened < 5:
        time.sleep(0.05)
        peak = descriptors(args.pid)
    accepted = time.monotonic() - opened

    latencies, statuses = [], []
    next_trickle = opened + args.trickle_seconds
    while time.monotonic() - opened < accepted + args.observe_seconds:
        status, ms = timed_get(args.port, args.path)
        statuses.append(status)
        latencies.append(ms)
        peak = max(peak, descriptors(args.pid))
        if time.monotonic() >= next_trickle:
            for sock in slow:
                try:
                    sock.send(SLOW_HEAD[sent:sent + 1])
                except OSError:
                    pass
            sent += 1
            next_trickle += args.trickle_seconds
        time.sleep(0.1)

    closed = {"idle": 0, "slow": 0}
    first_close = last_close = None
    open_count = len(idle) + len(slow)
    deadline = opened + accepted + args.observe_seconds + args.close_within
    while open_count and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.2):
            try:
                data = key.fileobj.recv(4096)
            except (ConnectionResetError, BlockingIOError):
                data = b""
            if data:
                continue  # a response to a slow head that completed: not expected, counted below as open
            selector.unregister(key.fileobj)
            closed[key.data] += 1
            open_count -= 1
            last_close = time.monotonic() - opened
            first_close = first_close if first_close is not None else last_close
    for sock in idle + slow:
        sock.close()
    time.sleep(0.5)
    after = descriptors(args.pid)

    latencies.sort()
    print(json.dumps({
        "baselineDescriptors": baseline, "acceptedSeconds": round(accepted, 2), "peakDescriptors": peak, "afterDescriptors": after,
        "idleClosed": closed["idle"], "slowClosed": closed["slow"], "firstCloseSeconds": first_close, "lastCloseSeconds": last_close,
        "requests": len(latencies), "okRequests": statuses.count(200),
        "maxMilliseconds": latencies[-1] if latencies else None, "milliseconds": [round(ms, 1) for ms in latencies],
        "medianMilliseconds": latencies[len(latencies) // 2] if latencies else None,
    }), flush=True)


if __name__ == "__main__":
    main()
