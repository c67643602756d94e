"""Soak: mixed pulls through a release Stowage under a small disk budget, with faults, for a bounded time.

    python3 scripts/soak.py [--minutes 30] [--stowage .build-release/release/stowage] [--workers 8]

Starts on loopback Debian's `docker-registry` as the upstream, seeded with the harness's standard
images (OCI and Docker manifests, a multi-arch index, a Helm chart) and --images small images of
0.25-4 MiB layers (about 70 MiB in all), Tests/Harness/faultrelay.py in front of it, and a release
`stowage serve` on its defaults but for `--max-size` (default 24MiB, well under the content, so it
evicts all the time) pointed at the relay. Then --workers clients pull images (a few hot, most cold;
manifest by tag, then by digest for an index's children, then every blob; one blob GET in ten is a
Range GET) for --minutes. Faults come in phases: a minute with the relay injecting them, then a
minute clean. In a faulty minute --fault-probability of new upstream connections are refused, answered
503 or 429, or slow to start, and every connection is cut, stalled or corrupted at a random byte,
--fault-mean-mib apart on average.

Every 10 s it prints Stowage's RSS and open descriptors, requests, errors and faults fired. Every
body is checked: a 200 whose bytes do not hash to what was asked is *corrupt*, the one failure that
is never acceptable; any other error counts as *accounted* when a fault fired in the 75 s before it
(the stall timeout, 15 s, plus the longest breaker back-off, 60 s: misses answered 503 while the
upstream counts as down are the faults' doing), else *unaccounted*. At the end
Stowage gets SIGTERM (its exit status is reported), `stowage verify` checks the store, and one line
per verdict says whether RSS and descriptors stayed flat after the warm-up (the first sixth of the run:
the last third's peak within 10 % (RSS) and 16 (descriptors) of the warm-up's), whether anything was
corrupt or unaccounted, and whether the stop and the store were clean. The exit status is 0 only when
every verdict holds.

Needs: docker-registry (Debian). Everything listens on 127.0.0.1; everything started is stopped.
"""
import argparse
import concurrent.futures
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Harness"))
sys.path.insert(0, os.path.join(HERE, "..", "Benchmarks"))
import faultrelay  # noqa: E402
import hotpath  # noqa: E402
import imagegen  # noqa: E402

ACCEPT = ", ".join([imagegen.OCI_MANIFEST, imagegen.OCI_INDEX, imagegen.DOCKER_MANIFEST, "application/vnd.docker.distribution.manifest.list.v2+json"])
ACCOUNTING_SECONDS = 75
PHASE_SECONDS = 60
SAMPLE_SECONDS = 10


def log(message):
    print(f"soak: {message}", file=sys.stderr, flush=True)


class Tally:
    """What the clients saw, shared by the worker threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.bytes = 0
        self.errors = []  # (monotonic time, what)
        self.corrupt = []

    def ok(self, size):
        with self.lock:
            self.requests += 1
            self.bytes += size

    def error(self, what):
        with self.lock:
            self.requests += 1
            self.errors.append((time.monotonic(), what))

    def bad_bytes(self, what):
        with self.lock:
            self.requests += 1
            self.corrupt.append(what)


def seed(url, count):
    """Pushes the standard images and `count` small ones; returns every image pushed."""
    registry = imagegen.Registry(url)
    images = imagegen.standard_images()
    rng = random.Random(11)
    for index in range(count):
        images.append(imagegen.small_image(f"soak/app{index}", layer_size=rng.randint(256 << 10, 4 << 20)))
    for image in images:
        registry.push(image)
    return images


def get(url, headers=None):
    """(status, headers, body) of one GET; raises OSError (or a subclass) when the exchange breaks."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def fetch(tally, base, path, expected, headers=None):
    """GETs `path` and checks its bytes: `expected` is the digest of the whole content, or for a
    Range GET (digest, exact bytes of the range): a 206 must carry those bytes, a 200 (a server may
    ignore a Range) the whole content. Returns True when the answer was whole and right."""
    what = path.rsplit("/", 2)[-2] + ("/range" if headers and "Range" in headers else "")
    try:
        status, response_headers, body = get(base + path, headers)
    except Exception as error:  # noqa: BLE001 - any broken exchange is an error to account for
        tally.error(f"{what}: {type(error).__name__}")
        return False
    if status not in (200, 206):
        tally.error(f"{what}: {status}")
        return False
    length = response_headers.get("Content-Length")
    if length is not None and int(length) != len(body):
        tally.error(f"{what}: short body")
        return False
    if isinstance(expected, tuple):
        digest, part = expected
        right = body == part if status == 206 else imagegen.digest_of(body) == digest
    else:
        right = status == 200 and imagegen.digest_of(body) == expected
    if not right:
        tally.bad_bytes(f"{path} {headers or ''}: {status}, {len(body)} bytes, not the content asked for")
        log(f"corrupt: {path} {headers or ''}: {status}, {len(body)} bytes")
        return False
    tally.ok(len(body))
    return True


def pull(tally, base, image, rng):
    """One pull of `image`: its manifest by tag, its children by digest, then each blob."""
    if not fetch(tally, base, f"/v2/{image.repository}/manifests/{image.tag}", image.digest, {"Accept": ACCEPT}):
        return
    for child in image.children:
        fetch(tally, base, f"/v2/{image.repository}/manifests/{child.digest}", child.digest, {"Accept": ACCEPT})
    for data, _ in image.all_blobs():
        digest = imagegen.digest_of(data)
        if len(data) > 1024 and rng.random() < 0.1:
            first = rng.randrange(len(data) - 1)
            last = rng.randrange(first, len(data))
            fetch(tally, base, f"/v2/{image.repository}/blobs/{digest}", (digest, data[first:last + 1]), {"Range": f"bytes={first}-{last}"})
        else:
            fetch(tally, base, f"/v2/{image.repository}/blobs/{digest}", digest)


def worker(number, tally, base, images, deadline, stop):
    rng = random.Random(number)
    hot = images[:3]
    while time.monotonic() < deadline and not stop.is_set():
        pull(tally, base, rng.choice(hot) if rng.random() < 0.3 else rng.choice(images), rng)
        time.sleep(rng.uniform(0, 0.2))


def process_figures(pid):
    """(RSS MiB, open descriptors) of `pid`."""
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stowage", default=os.path.join(HERE, "..", ".build-release", "release", "stowage"))
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--images", type=int, default=30, help="small images besides the standard ones")
    parser.add_argument("--max-size", default="24MiB", help="Stowage's disk budget (--max-size)")
    parser.add_argument("--fault-probability", type=float, default=0.2, help="share of new upstream connections that fail at once in a faulty minute")
    parser.add_argument("--fault-mean-mib", type=float, default=16, help="mean MiB of upstream answers between two midway faults of a connection")
    parser.add_argument("--stowage-flag", action="append", default=[], metavar="FLAG", help="an extra flag for stowage serve")
    parser.add_argument("--workdir", help="where data goes (default: a new temporary directory, removed after)")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="stowage-soak-")
    try:
        ok = run(args, workdir)
    finally:
        hotpath.stop_children()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(0 if ok else 1)


def run(args, workdir):
    _, upstream_url, _ = hotpath.registry(workdir, "upstream")
    images = seed(upstream_url, args.images)
    total = sum(len(data) for image in images for data, _ in image.all_blobs())
    log(f"upstream {upstream_url}: {len(images)} images, {total / (1 << 20):.1f} MiB of blobs")
    relay = faultrelay.FaultRelay(("127.0.0.1", int(upstream_url.rsplit(":", 1)[1])), probability=args.fault_probability,
                                  mean_bytes=int(args.fault_mean_mib * (1 << 20)))
    relay.start()
    process, base, storage = hotpath.stowage(args.stowage, workdir, "stowage", f"http://127.0.0.1:{relay.port}",
                                             ["--max-size", args.max_size, *args.stowage_flag])
    log(f"stowage {base} (pid {process.pid}) on its defaults, --max-size {args.max_size}; {args.workers} clients for {args.minutes:g} min")

    tally = Tally()
    started = time.monotonic()
    deadline = started + args.minutes * 60
    stop = threading.Event()
    samples = []
    print(f"{'min':>5} {'RSS MiB':>8} {'fds':>5} {'requests':>9} {'MiB':>8} {'errors':>7} {'faults':>7} {'corrupt':>7}  phase", flush=True)
    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        futures = [pool.submit(worker, n, tally, base, images, deadline, stop) for n in range(args.workers)]
        while time.monotonic() < deadline and process.poll() is None:
            elapsed = time.monotonic() - started
            relay.faulty = int(elapsed // PHASE_SECONDS) % 2 == 1
            time.sleep(min(SAMPLE_SECONDS - elapsed % SAMPLE_SECONDS, max(0.0, deadline - time.monotonic())))
            if process.poll() is not None:
                break
            rss, descriptors = process_figures(process.pid)
            with tally.lock:
                figures = (tally.requests, tally.bytes, len(tally.errors), len(tally.corrupt))
            samples.append((time.monotonic() - started, rss, descriptors))
            print(f"{(time.monotonic() - started) / 60:5.1f} {rss:8.1f} {descriptors:5d} {figures[0]:9d} {figures[1] / (1 << 20):8.0f} "
                  f"{figures[2]:7d} {len(relay.fired()):7d} {figures[3]:7d}  {'faulty' if relay.faulty else 'clean'}", flush=True)
        stop.set()
        relay.faulty = False
        for future in futures:
            future.result()

    crashed = process.poll() is not None
    hotpath.stop(process, seconds=90)
    exit_status = process.returncode
    verify = subprocess.run([args.stowage, "verify", "--storage", storage, "--config", os.path.join(hotpath.HARNESS, "empty-config.yaml")],
                            capture_output=True, text=True)
    fired = relay.fired()
    unaccounted = [(at, what) for at, what in tally.errors if not any(at - ACCOUNTING_SECONDS <= when <= at for when, _ in fired)]
    kinds = {}
    for _, what in tally.errors:
        kinds[what] = kinds.get(what, 0) + 1
    injected = {}
    for _, fault in fired:
        injected[fault] = injected.get(fault, 0) + 1
    log("errors by kind: " + (", ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])) or "none"))
    log("faults fired: " + (", ".join(f"{k} {v}" for k, v in sorted(injected.items())) or "none"))
    for at, what in unaccounted[:20]:
        log(f"unaccounted error at {(at - started) / 60:.2f} min: {what}")
    for what in tally.corrupt[:20]:
        log(f"corrupt: {what}")

    warm = [s for s in samples if s[0] <= (deadline - started) / 6] or samples[:1]
    last = [s for s in samples if s[0] >= (deadline - started) * 2 / 3] or samples[-1:]
    verdicts = []
    if warm and last:
        warm_rss, last_rss = max(s[1] for s in warm), max(s[1] for s in last)
        warm_fds, last_fds = max(s[2] for s in warm), max(s[2] for s in last)
        verdicts.append((last_rss <= warm_rss * 1.10, f"RSS flat after warm-up: peak {warm_rss:.1f} MiB in the first sixth, {last_rss:.1f} MiB in the last third"))
        verdicts.append((last_fds <= warm_fds + 16, f"descriptors flat: peak {warm_fds} in the first sixth, {last_fds} in the last third"))
    verdicts.append((not tally.corrupt, f"corrupt bodies: {len(tally.corrupt)}"))
    verdicts.append((not unaccounted, f"errors: {len(tally.errors)} of {tally.requests} requests, {len(unaccounted)} not accounted for by a fault fired in the {ACCOUNTING_SECONDS} s before"))
    verdicts.append((not crashed and exit_status == 0, f"Stowage {'died during the run' if crashed else 'stopped'} with exit status {exit_status}"))
    verdicts.append((verify.returncode == 0, f"stowage verify: exit {verify.returncode}: {verify.stdout.strip().splitlines()[-1] if verify.stdout.strip() else verify.stderr.strip()[-200:]}"))
    verdicts.append((True, f"{len(fired)} faults fired, {tally.bytes / (1 << 30):.2f} GiB received in {(time.monotonic() - started) / 60:.1f} min"))
    for held, text in verdicts:
        print(f"{'ok ' if held else 'FAIL'} {text}", flush=True)
    return all(held for held, _ in verdicts)


if __name__ == "__main__":
    main()
