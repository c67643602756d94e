"""Crash test: `kill -9` Stowage at random moments during many concurrent cold pulls, then check the store.

    python3 crashtest.py --stowage PATH --workdir DIR [--images N] [--concurrency C] [--rounds R]
                         [--seed S] [--time-limit SECONDS]

Starts an upstream (upstream.py --auth none in DIR/upstream) and pushes N images crash/img-NN:1.0
with layers of 64 KiB to 3 MiB. Each round starts `stowage serve` on DIR/storage, starts C
concurrent pulls (manifest, then every blob, each checked against its digest) and, after a random
delay, kills Stowage with SIGKILL. Each round's pulls are of images no earlier round asked for,
plus those whose pulls an earlier kill cut short, so most of them are cold. A connection cut by the
kill is expected; a completed response with the wrong status or bytes is a failure.

After the rounds Stowage is started once more (its start-up recovery runs) and stopped with SIGTERM,
`stowage verify` must report 0 corrupt, 0 orphans and 0 missing and exit 0, and then every image must
pull again, byte for byte, from a restarted Stowage.

Progress goes to stderr; the last line on stdout is one JSON object:

    {"seed", "rounds", "pullsStarted", "pullsCompleted", "pullsCut", "pullsFailed", "verify",
     "repulled", "failures", "seconds", "ok"}

The exit status is 0 only when "ok" is true. Rerun with the printed --seed to replay a schedule.
"""
import argparse
import ctypes
import hashlib
import json
import math
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import imagegen  # noqa: E402

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EMPTY_CONFIG = os.path.join(HERE, "empty-config.yaml")
PR_SET_PDEATHSIG = 1
LIBC = ctypes.CDLL(None, use_errno=True)
MIN_LAYER, MAX_LAYER = 64 << 10, 3 << 20
REQUEST_TIMEOUT = 30
STARTUP_SECONDS = 30
STOP_SECONDS = 20
JOIN_SECONDS = 30
MAX_REPORTED_FAILURES = 20

# Loopback only: never let a proxy from the environment see these requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for _name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
    os.environ.pop(_name, None)


class Stop(Exception):
    """The time limit passed, or the script was asked to stop."""


class Failure(Exception):
    """Something the test checks went wrong."""


def log(message):
    print(f"crashtest: {message}", file=sys.stderr, flush=True)


def die_with_parent():
    """Runs in each child before exec: SIGKILL it if this script dies, however it dies."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def read_first_line(stream, seconds, copy_to=None):
    """The first line of `stream` (None on EOF or timeout); every line is also copied to `copy_to`."""
    lines = queue.Queue()

    def drain():
        first = True
        for line in iter(stream.readline, b""):
            if first:
                lines.put(line)
                first = False
            if copy_to is not None:
                copy_to.write(line)
                copy_to.flush()
        if first:
            lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    try:
        line = lines.get(timeout=seconds)
    except queue.Empty:
        return None
    return line.decode(errors="replace").rstrip("\n") if line is not None else None


# MARK: The upstream

def start_upstream(workdir, children):
    directory = os.path.join(workdir, "upstream")
    launcher_log = open(os.path.join(workdir, "upstream.launcher.log"), "ab")
    process = subprocess.Popen([sys.executable, os.path.join(HERE, "upstream.py"), "--dir", directory, "--auth", "none"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=launcher_log,
                               preexec_fn=die_with_parent)
    children.append(("upstream", process))
    line = read_first_line(process.stdout, 60)
    if not line:
        raise Failure(f"upstream.py did not start; see {launcher_log.name}")
    return json.loads(line)["url"]


def layer_sizes(count):
    """Spread evenly on a log scale from MIN_LAYER to MAX_LAYER."""
    if count == 1:
        return [MIN_LAYER]
    return [int(MIN_LAYER * math.exp(math.log(MAX_LAYER / MIN_LAYER) * i / (count - 1))) for i in range(count)]


def push_images(url, count, deadline):
    """Builds and pushes crash/img-NN:1.0 (a few at a time); returns their descriptions."""
    names = [f"crash/img-{i:02d}" for i in range(count)]
    described = [None] * count
    errors = []
    work = queue.Queue()
    for item in enumerate(zip(names, layer_sizes(count))):
        work.put(item)

    def worker():
        registry = imagegen.Registry(url)
        while time.monotonic() < deadline:
            try:
                index, (name, size) = work.get_nowait()
            except queue.Empty:
                return
            try:
                image = imagegen.small_image(name, "1.0", size)
                registry.push(image)
                described[index] = image.describe()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(f"pushing {name}: {error}")
                return

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(max(0.1, deadline - time.monotonic()))
    if errors or any(d is None for d in described):
        raise Failure("; ".join(errors) or "pushing the images did not finish in time")
    return described


# MARK: Stowage

class Stowage:
    """One `stowage serve` process on the shared storage."""

    def __init__(self, binary, workdir, upstream, label, children):
        self.log_path = os.path.join(workdir, f"stowage-{label}.log")
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [binary, "serve", "--config", EMPTY_CONFIG, "--listen", "127.0.0.1:0",
             "--storage", os.path.join(workdir, "storage"), "--upstream", upstream,
             "--upstream-name", "crash", "--log-level", "info", "--metrics-listen", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log, preexec_fn=die_with_parent)
        children.append(("stowage", self.process))
        line = read_first_line(self.process.stdout, STARTUP_SECONDS, copy_to=self.log)
        match = re.search(r"serving on http://127\.0\.0\.1:(\d+)", line or "")
        if not match:
            self.kill()
            raise Failure(f"stowage ({label}) did not start within {STARTUP_SECONDS} s "
                          f"(first line {line!r}); see {self.log_path}")
        self.url = f"http://127.0.0.1:{match.group(1)}"

    @property
    def pid(self):
        return self.process.pid

    def kill(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def terminate(self):
        """SIGTERM and wait; returns the exit status (a failure if it does not exit in time)."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure(f"stowage did not exit within {STOP_SECONDS} s of SIGTERM; see {self.log_path}") from None


# MARK: Pulls

class Cut(Exception):
    """A request the kill interrupted."""


def fetch(url, accept, killed, progress=None):
    """GET `url`; returns (headers, body) of a complete 200 response, calling `progress(n)` as bytes arrive.

    Raises Cut when the connection failed or the body ended early after the kill, Failure for any
    other status or for a transport error while Stowage was still alive."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with OPENER.open(request, timeout=REQUEST_TIMEOUT) as response:
            headers, chunks = response.headers, []
            for _ in range(1 << 20):  # bounded: far more than the largest blob needs
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
                if progress:
                    progress(len(chunk))
            body = b"".join(chunks)
    except urllib.error.HTTPError as error:  # a complete status line: never what the kill does
        try:
            detail = error.read()[:300].decode(errors="replace")
        except Exception:  # noqa: BLE001 - the body may be cut
            detail = "(body cut)"
        raise Failure(f"GET {url}: HTTP {error.code} {detail}") from None
    except Exception as error:  # noqa: BLE001 - connection refused/reset, IncompleteRead, timeouts
        if killed.is_set():
            raise Cut(str(error)) from None
        raise Failure(f"GET {url}: {type(error).__name__}: {error} (Stowage was not killed yet)") from None
    length = headers.get("Content-Length")
    if length is not None and int(length) != len(body):
        if killed.is_set():
            raise Cut(f"{len(body)} of {length} bytes")
        raise Failure(f"GET {url}: {len(body)} of {length} bytes (Stowage was not killed yet)")
    if length is None and "chunked" not in headers.get("Transfer-Encoding", "").lower() and killed.is_set():
        # Delimited by the connection closing: a cut body looks complete.
        raise Cut("body without Content-Length ended after the kill")
    return headers, body


def check(what, data, expected_digest, expected_size):
    actual = imagegen.digest_of(data)
    if actual != expected_digest or len(data) != expected_size:
        raise Failure(f"{what}: a complete 200 response had {len(data)} bytes with digest {actual}; "
                      f"expected {expected_size} bytes with {expected_digest}")


def pull(base, image, killed, progress=None):
    """Pulls the image, checking every byte; returns True. Raises Cut or Failure."""
    repository = image["repository"]
    headers, manifest = fetch(f"{base}/v2/{repository}/manifests/{image['tag']}", OCI_MANIFEST, killed, progress)
    check(f"{repository} manifest", manifest, image["digest"], image["size"])
    header_digest = headers.get("Docker-Content-Digest")
    if header_digest and header_digest != image["digest"]:
        raise Failure(f"{repository} manifest: Docker-Content-Digest {header_digest}, expected {image['digest']}")
    parsed = json.loads(manifest)
    referenced = [parsed["config"]] + parsed["layers"]
    if sorted(b["digest"] for b in referenced) != sorted(b["digest"] for b in image["blobs"]):
        raise Failure(f"{repository} manifest references other blobs than were pushed")
    for blob in referenced:
        _, data = fetch(f"{base}/v2/{repository}/blobs/{blob['digest']}", None, killed, progress)
        check(f"{repository} blob {blob['digest']}", data, blob["digest"], blob["size"])
    return True


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.started = self.completed = self.cut = self.failed = 0
        self.failures = []

    def record(self, outcome, message=None):
        with self.lock:
            setattr(self, outcome, getattr(self, outcome) + 1)
            if message:
                self.failures.append(message)


def pull_bytes(image):
    return image["size"] + sum(blob["size"] for blob in image["blobs"])


def run_round(number, stowage, images, concurrency, rng, tally):
    """Starts `concurrency` pulls of `images` (round-robin) and kills Stowage with SIGKILL as soon
    as either a random delay has passed or a random share of the round's bytes has arrived (on a
    fast machine every pull may be over long before the delay). Returns the names of the images
    pulled completely and of those none of whose pulls completed."""
    order = [images[i % len(images)] for i in range(concurrency)]
    rng.shuffle(order)
    delay, share = rng.uniform(0.05, 1.5), rng.uniform(0.05, 0.95)
    target = share * sum(pull_bytes(image) for image in order)
    go, killed = threading.Event(), threading.Event()
    outcomes, finish_times, received = {}, [], [0] * len(order)
    round_tally = Tally()

    def worker(index, image):
        def progress(count):
            received[index] += count

        go.wait(JOIN_SECONDS)
        try:
            pull(stowage.url, image, killed, progress)
            finish_times.append(time.monotonic() - released)
            outcomes[index] = (image["repository"], "completed")
            round_tally.record("completed")
        except Cut:
            outcomes[index] = (image["repository"], "cut")
            round_tally.record("cut")
        except Failure as failure:
            outcomes[index] = (image["repository"], "failed")
            round_tally.record("failed", f"round {number}: {failure}")
        except Exception as error:  # noqa: BLE001 - anything unexpected is a failure too
            outcomes[index] = (image["repository"], "failed")
            round_tally.record("failed", f"round {number}: {image['repository']}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=worker, args=(i, image), daemon=True) for i, image in enumerate(order)]
    for thread in threads:
        thread.start()
    round_tally.started = len(threads)
    released = time.monotonic()
    go.set()
    while (time.monotonic() - released < delay and sum(received) < target
           and any(thread.is_alive() for thread in threads)):
        time.sleep(0.002)
    killed.set()
    stowage.kill()
    killed_after, killed_at = time.monotonic() - released, sum(received) / (target / share)
    deadline = time.monotonic() + JOIN_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    hung = sum(thread.is_alive() for thread in threads)
    if hung:
        round_tally.record("failed", f"round {number}: {hung} pulls still running {JOIN_SECONDS} s after the kill")
        round_tally.failed += hung - 1
    for name in ("started", "completed", "cut", "failed"):
        setattr(tally, name, getattr(tally, name) + getattr(round_tally, name))
    tally.failures += round_tally.failures
    log(f"round {number}: {len(set(r['repository'] for r in images))} images, {round_tally.started} pulls, "
        f"killed pid {stowage.pid} after {killed_after:.3f} s at {killed_at:.0%} of the bytes "
        f"(delay {delay:.3f} s, share {share:.0%}): {round_tally.completed} completed, "
        f"{round_tally.cut} cut, {round_tally.failed} failed"
        + (f" (completed in {min(finish_times):.3f}-{max(finish_times):.3f} s)" if finish_times else ""))
    completed = {name for name, outcome in outcomes.values() if outcome == "completed"}
    unfinished = {name for name, outcome in outcomes.values() if outcome != "completed"}
    return completed, unfinished - completed


def round_plan(images, rounds, rng):
    """Each round's fresh images: a shuffled, disjoint share of all of them."""
    shuffled = list(images)
    rng.shuffle(shuffled)
    share = max(1, len(shuffled) // rounds)
    plan = [shuffled[i * share:(i + 1) * share] for i in range(rounds)]
    plan[-1] += shuffled[rounds * share:]
    return plan


def repull_all(stowage, images, deadline):
    """Pulls every image again (four at a time); returns (count pulled, failure messages)."""
    work = queue.Queue()
    for image in images:
        work.put(image)
    pulled, failures, lock = [], [], threading.Lock()
    never = threading.Event()  # Stowage is not killed now: every error is a failure

    def worker():
        while time.monotonic() < deadline:
            try:
                image = work.get_nowait()
            except queue.Empty:
                return
            try:
                pull(stowage.url, image, never)
                with lock:
                    pulled.append(image["repository"])
            except Exception as error:  # noqa: BLE001
                with lock:
                    failures.append(f"re-pull {image['repository']}: {type(error).__name__}: {error}")

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(max(0.1, deadline - time.monotonic()))
    if len(pulled) + len(failures) < len(images):
        failures.append(f"re-pull: only {len(pulled) + len(failures)} of {len(images)} images finished in time")
    return len(pulled), failures


# MARK: verify

def run_verify(binary, workdir, seconds):
    """Runs `stowage verify`; returns (summary line, problem or None)."""
    command = [binary, "verify", "--config", EMPTY_CONFIG, "--storage", os.path.join(workdir, "storage")]
    try:
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=seconds,
                                preexec_fn=die_with_parent)
    except subprocess.TimeoutExpired:
        return "", f"stowage verify did not finish within {seconds:.0f} s"
    output = (result.stdout + result.stderr).decode(errors="replace")
    with open(os.path.join(workdir, "verify.log"), "w") as out:
        out.write(output)
    summaries = [line.strip() for line in output.splitlines() if line.strip().startswith("verify:")]
    summary = summaries[-1] if summaries else ""
    for line in output.splitlines()[:40]:
        log(f"verify | {line}")
    if not summary:
        return summary, f"stowage verify printed no 'verify:' line (exit {result.returncode}): {output.strip()[:500]}"
    counts = {}
    for name in ("corrupt", "orphans", "missing"):
        match = re.search(rf"(\d+) {name}", summary)
        counts[name] = int(match.group(1)) if match else None
    problems = [f"{name}: {count if count is not None else 'not reported'}" for name, count in counts.items() if count != 0]
    if result.returncode != 0 or problems:
        return summary, f"stowage verify exit {result.returncode}, {', '.join(problems) or 'counts all zero'}: {summary}"
    return summary, None


# MARK: Main

def main():
    # Foundation's Process passes its signal mask on; without this, SIGTERM could not stop the script.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGALRM})
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stowage", required=True, help="the built stowage binary")
    parser.add_argument("--workdir", required=True, help="a fresh directory for the upstream, storage and logs")
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=None, help="replays a run's schedule (default: random)")
    parser.add_argument("--time-limit", type=float, default=150, help="seconds before the run fails")
    args = parser.parse_args()
    if args.images < 1 or args.concurrency < 1 or args.rounds < 1 or args.time_limit <= 0:
        parser.error("--images, --concurrency, --rounds and --time-limit must be positive")
    binary = os.path.abspath(args.stowage)
    workdir = os.path.abspath(args.workdir)
    if os.path.isdir(workdir) and os.listdir(workdir):
        parser.error(f"--workdir {workdir} is not empty; give a fresh directory")
    os.makedirs(workdir, exist_ok=True)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed)
    started_at = time.monotonic()
    deadline = started_at + args.time_limit
    log(f"seed {seed} (replay with --seed {seed}); workdir {workdir}")

    def stop(signum, _frame):
        raise Stop(f"{signal.Signals(signum).name}" if signum != signal.SIGALRM
                   else f"time limit of {args.time_limit:g} s passed")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, args.time_limit)

    children, tally, failures = [], Tally(), []
    verify_summary, repulled, rounds_done = "", 0, 0
    try:
        upstream = start_upstream(workdir, children)
        log(f"upstream {upstream}; pushing {args.images} images")
        images = push_images(upstream, args.images, deadline)
        log(f"pushed {len(images)} images ({sum(b['size'] for i in images for b in i['blobs']) >> 20} MiB) "
            f"after {time.monotonic() - started_at:.1f} s")

        unfinished = set()
        by_name = {image["repository"]: image for image in images}
        for number, fresh in enumerate(round_plan(images, args.rounds, rng), start=1):
            retry = [by_name[name] for name in sorted(unfinished) if name not in {i["repository"] for i in fresh}]
            chosen = fresh + retry or images
            stowage = Stowage(binary, workdir, upstream, f"round-{number}", children)
            completed, cut = run_round(number, stowage, chosen, args.concurrency, rng, tally)
            unfinished = (unfinished | cut) - completed
            rounds_done = number

        log("restarting once more for start-up recovery, then SIGTERM")
        recovery = Stowage(binary, workdir, upstream, "recovery", children)
        status = recovery.terminate()
        if status != 0:
            failures.append(f"stowage exited {status} after SIGTERM; see {recovery.log_path}")

        verify_summary, problem = run_verify(binary, workdir, max(5.0, min(60.0, deadline - time.monotonic() - 20)))
        log("verify passed" if not problem else "verify FAILED")
        if problem:
            failures.append(problem)

        log(f"re-pulling all {len(images)} images")
        final = Stowage(binary, workdir, upstream, "repull", children)
        repulled, problems = repull_all(final, images, deadline - 5)
        failures += problems
        status = final.terminate()
        if status != 0:
            failures.append(f"stowage exited {status} after SIGTERM; see {final.log_path}")
        log(f"re-pulled {repulled} of {len(images)} images")
    except (Stop, Failure) as error:
        failures.append(str(error))
    except Exception as error:  # noqa: BLE001 - reported as a failure, never as a traceback alone
        failures.append(f"{type(error).__name__}: {error}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        cleanup(children)

    failures = tally.failures + failures
    ok = not failures and tally.failed == 0 and rounds_done == args.rounds
    for failure in failures[:MAX_REPORTED_FAILURES]:
        log(f"FAILED: {failure}")
    log(f"{'ok' if ok else 'FAILED'} after {time.monotonic() - started_at:.1f} s (seed {seed})")
    print(json.dumps({"seed": seed, "rounds": rounds_done, "pullsStarted": tally.started,
                      "pullsCompleted": tally.completed, "pullsCut": tally.cut, "pullsFailed": tally.failed,
                      "verify": verify_summary, "repulled": repulled,
                      "failures": failures[:MAX_REPORTED_FAILURES],
                      "seconds": round(time.monotonic() - started_at, 1), "ok": ok}), flush=True)
    sys.exit(0 if ok else 1)


def cleanup(children):
    """Stops every process this script started: Stowage by SIGKILL, the upstream by closing its stdin."""
    for name, process in reversed(children):
        if process.poll() is not None:
            continue
        if name == "upstream":
            try:
                process.stdin.close()
            except OSError:
                pass
        else:
            process.kill()
    for name, process in reversed(children):
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            log(f"{name} (pid {process.pid}) did not exit; sending SIGKILL")
            process.kill()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                log(f"{name} (pid {process.pid}) is still running")


if __name__ == "__main__":
    main()
