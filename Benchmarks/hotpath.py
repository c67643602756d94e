"""Hot-path benchmark: Stowage beside distribution's pull-through cache and nginx, same data, one run.

    python3 Benchmarks/hotpath.py [--stowage .build-release/release/stowage] [--seconds 5]

Starts on loopback: Debian's `docker-registry` as the upstream (seeded with generated images),
`docker-registry` again as a distribution pull-through cache of it, a release `stowage serve`, and
nginx serving the same manifest and blob files as static files. Then measures, in this order:

  manifest GET by digest and by tag      wrk, 64 connections, req/s and p99 (tag inside Stowage's TTL)
  blob HEAD                              ab, 64 keep-alive connections
  warm 1 GiB GET, 1 and 8 clients        curl, aggregate MB/s and server CPU-seconds per GiB
  the same over TLS                      manifest GET by digest and warm 1 GiB GETs, Stowage and nginx (--skip-tls)
  metrics and access log overhead        manifest GET by digest and blob HEAD req/s, on against off (--skip-overhead)
  32 concurrent cold GETs of 256 MiB     upstream GETs and bytes, every client's bytes hashed, peak RSS
  one cold image pull (skopeo)           upstream bytes against the image size, time against the upstream

and prints one table with the ratios, then a small one for the overhead. For the small responses it
also runs `nio-baseline` (built beside `stowage`): a bare SwiftNIO server with NIO's standard HTTP pipeline
and a fixed answer (`nio-baseline --decoder-only`, NIO's decoder and one buffer per response as
Stowage writes them, is the closer floor; run it by hand).

Stowage runs on its defaults: log level info, the metrics listener on 127.0.0.1:0 (metrics recorded),
no access log (access lines at debug, so not written); `--stowage-flag` adds flags to every start.

TLS: a throwaway CA and a server certificate for 127.0.0.1 and localhost (ECDSA P-256, made with the
openssl CLI under the workdir). The plain warm Stowage is stopped (one process per store) and
`stowage serve --tls-certificate --tls-key` started on the same warm store; a second nginx serves the
same files with `listen ... ssl` and the same certificate (TLSv1.2 and 1.3, default ciphers, default
session cache, keep-alive and sendfile as the plain one). wrk (no verification) and curl
(`--cacert`, HTTP/1.1) are the clients; the cipher each server picks is logged. A `stowage` without
the flags is logged and the rows skipped.

Overhead: two Stowage processes at once, each on its own copy of the warm store (blob files hard
links), one with `--access-log` and the metrics listener on 127.0.0.1:0 ("on": the defaults plus an
access line at info for every request, written to the store's log file) and one with
`--metrics-listen off` and no access log ("off"). wrk and ab alternate between them in short slices
(8 of `--seconds` each, order flipped every slice), so a drift of the machine falls on both alike;
each figure is the mean of its slices, and every slice's ratio is logged. The reference beside it:
nginx with its access log on (combined format, buffered 64 KiB, flushed every 50 ms, to a file)
against off, measured the same way. Stowage instances started after the first get
`--drain-delay 0s` so that stopping them doesn't wait (nothing on the request path).

Needs: docker-registry, nginx, wrk, ab, curl, openssl, skopeo (Debian). Every server listens on
127.0.0.1; everything started is stopped at the end.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.join(HERE, "..", "Tests", "Harness")
sys.path.insert(0, HARNESS)
import accesslog  # noqa: E402
import imagegen  # noqa: E402

ACCEPT = "application/vnd.oci.image.manifest.v1+json"
CHILDREN = []
RESTARTED = ["--drain-delay", "0s"]  # for a Stowage stopped mid-run: SIGTERM then exits at once


def log(message):
    print(f"hotpath: {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url, seconds=30, context=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2, context=context).read()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"hotpath: {url} did not answer")


def start(command, log_path, **kwargs):
    with open(log_path, "ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out, stdin=subprocess.DEVNULL, **kwargs)
    CHILDREN.append(process)
    return process


def registry(workdir, name, proxy=None):
    """docker-registry on a free port: an upstream (access log kept) or a pull-through cache of `proxy`."""
    port = free_port()
    config = {"version": "0.1", "log": {"level": "warn", "accesslog": {"disabled": proxy is not None}},
              "storage": {"filesystem": {"rootdirectory": os.path.join(workdir, name, "data")}, "delete": {"enabled": True}},
              "http": {"addr": f"127.0.0.1:{port}", "secret": "hotpath"}}
    if proxy:
        config["proxy"] = {"remoteurl": proxy}
    os.makedirs(os.path.join(workdir, name), exist_ok=True)
    path = os.path.join(workdir, name, "config.yml")
    with open(path, "w") as out:
        json.dump(config, out)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    process = start(["docker-registry", "serve", path], os.path.join(workdir, name, "registry.log"), env=environment)
    url = f"http://127.0.0.1:{port}"
    wait_for(url + "/v2/")
    return process, url, os.path.join(workdir, name, "registry.log")


def stowage(binary, workdir, name, upstream, extra=(), metrics="127.0.0.1:0", required=True):
    """A release `stowage serve` on the storage `name` (one process per storage at a time), on its
    defaults (log level included) but for `extra` flags and the metrics listener `metrics` (or off);
    returns (process, url, storage): url http:// or https://. If it does not start: exits, or when
    not `required` logs why and returns None."""
    storage = os.path.join(workdir, name)
    with open(storage + ".log", "ab") as errors:
        process = subprocess.Popen([binary, "serve", "--config", os.path.join(HARNESS, "empty-config.yaml"), "--listen", "127.0.0.1:0",
                                    "--storage", storage, "--upstream", upstream, "--upstream-name", "bench", "--metrics-listen", metrics,
                                    *extra],
                                   stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL, text=True)
    CHILDREN.append(process)
    line = first_line(process)
    match = re.search(r"https?://[\d.]+:\d+", line)
    if match:
        return process, match.group(0), storage
    stop(process)
    with open(storage + ".log", "rb") as errors:
        errors.seek(max(0, os.path.getsize(storage + ".log") - 4096))
        lines = errors.read().decode(errors="replace").splitlines() or [""]
    said = next((line for line in reversed(lines) if re.match(r"(Error|stowage):", line)), lines[-1]).strip()
    if required:
        raise SystemExit(f"hotpath: stowage did not start: {line!r} {said}")
    log(f"stowage {' '.join(extra)} did not start: {said or line!r}")
    return None


def first_line(process, seconds=120):
    """The first line `process` writes to its stdout; "" if it exits or writes none within `seconds`."""
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    return process.stdout.readline() if ready else ""


def stop_children():
    """SIGTERM to every process started that still runs, SIGKILL to those still there 10 s later."""
    for child in CHILDREN:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in CHILDREN:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


def stop(process, seconds=30):
    """SIGTERM, then SIGKILL after `seconds`: a server stopped mid-run, e.g. to free its store."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=seconds)


def nio_baseline(binary, path, digest):
    """The bare NIO server answering every request with the manifest at `path`; returns its URL."""
    process = subprocess.Popen([binary, path, ACCEPT, digest], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, text=True)
    CHILDREN.append(process)
    match = re.search(r"http://[\d.]+:\d+", process.stdout.readline())
    if not match:
        raise SystemExit("hotpath: nio-baseline did not start")
    return match.group(0)


def nginx(workdir, docroot, tls=None, access_log=False, name=None):
    """nginx serving `docroot`; over TLS when `tls` is (CA, certificate, key): same settings but for
    `ssl` on the listener, the certificate, and TLSv1.2 and 1.3 (default ciphers and session cache).
    With `access_log`, its access log in the combined format, buffered (64 KiB, flushed at least
    every 50 ms), to a file. `name`: its directory under `workdir`, for a second one."""
    port = free_port()
    prefix = os.path.join(workdir, name or ("nginx-tls" if tls else "nginx-logged" if access_log else "nginx"))
    os.makedirs(prefix, exist_ok=True)
    secure = f"ssl_certificate {tls[1]}; ssl_certificate_key {tls[2]}; ssl_protocols TLSv1.2 TLSv1.3;" if tls else ""
    config = f"""
daemon off; worker_processes 2; user root; pid {prefix}/nginx.pid; error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log {f"{prefix}/access.log combined buffer=64k flush=50ms" if access_log else "off"}; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  types {{ }} default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{port}{" ssl" if tls else ""} backlog=512; root {docroot}; {secure}
    location ~ /manifests/ {{ default_type {ACCEPT}; }}
  }}
}}
"""
    with open(os.path.join(prefix, "nginx.conf"), "w") as out:
        out.write(config)
    process = start(["nginx", "-p", prefix, "-c", os.path.join(prefix, "nginx.conf")], os.path.join(prefix, "stdout.log"))
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    wait_for(url + "/", context=ssl.create_default_context(cafile=tls[0]) if tls else None)
    return process, url


def test_certificates(workdir):
    """A throwaway CA and a server certificate it signs for 127.0.0.1 (IP SAN) and localhost, ECDSA
    P-256, valid 2 days, with the openssl CLI; returns the paths (CA, certificate, key), PEM."""
    directory = os.path.join(workdir, "tls")
    os.makedirs(directory, exist_ok=True)
    ca, ca_key, certificate, key, request, config = (os.path.join(directory, name) for name in
                                                     ("ca.pem", "ca-key.pem", "server.pem", "server-key.pem", "server.csr", "openssl.cnf"))
    with open(config, "w") as out:  # our own config: the system's may add extensions of its own
        out.write("[req]\ndistinguished_name = dn\n[dn]\n"
                  "[ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\nsubjectKeyIdentifier = hash\n"
                  "[server]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = serverAuth\n"
                  "subjectAltName = IP:127.0.0.1, DNS:localhost\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n")
    new_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for command in (["req", "-config", config, "-x509", "-new", *new_key, "-keyout", ca_key, "-out", ca, "-days", "2",
                     "-subj", "/CN=Stowage hotpath test CA", "-extensions", "ca"],
                    ["req", "-config", config, "-new", *new_key, "-keyout", key, "-out", request, "-subj", "/CN=127.0.0.1"],
                    ["x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
                     "-days", "2", "-extfile", config, "-extensions", "server", "-out", certificate]):
        result = subprocess.run(["openssl", *command], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise SystemExit(f"hotpath: openssl {command[0]} failed: {result.stderr.strip()[-500:]}")
    return ca, certificate, key


def tls_session(url, ca):
    """The protocol and cipher a server picks from this OpenSSL's default offer (curl's and wrk's),
    and whether its certificate verifies against `ca`."""
    result = subprocess.run(["openssl", "s_client", "-brief", "-connect", url.split("://")[1], "-CAfile", ca],
                            input="", capture_output=True, text=True, timeout=30)
    found = dict(re.findall(r"^(Protocol version|Ciphersuite|Verification): *(.+)$", result.stderr, re.M))
    return " ".join(found.get(key, "?") for key in ("Protocol version", "Ciphersuite")) + f", verification {found.get('Verification', '?')}"


def wait_idle(processes, seconds=60):
    """Waits until `processes` have used under 1 % of a core for a second: whatever runs first must
    not be timed while another server still finishes earlier work (the proxy stores its copy after
    answering)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        before = sum(cpu_seconds(p) for p in processes)
        time.sleep(1)
        if sum(cpu_seconds(p) for p in processes) - before < 0.01:
            return
    log("servers still busy after a minute; timing anyway")


def cpu_seconds(process):
    """User + system CPU of a process and its children (nginx's workers)."""
    pids = [process.pid]
    try:
        pids += [int(p) for p in open(f"/proc/{process.pid}/task/{process.pid}/children").read().split()]
    except OSError:
        pass
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def anonymous_rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(url, seconds, accept=None):
    """(requests/s, p99 ms) from wrk with 2 threads and 64 connections, after a 1-second warm-up."""
    command = ["wrk", "-t2", "-c64", "--latency"] + (["-H", f"Accept: {accept}"] if accept else [])
    subprocess.run(command + ["-d1s", url], capture_output=True, timeout=30)
    output = subprocess.run(command + [f"-d{seconds}s", url], capture_output=True, text=True, timeout=seconds + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        log(f"wrk {url}: {errors.group(1)} non-2xx responses")
    return rate, float(p99.group(1)) * scale


def ab_head(url, seconds):
    """HEAD requests/s with ApacheBench (64 keep-alive connections): wrk waits for a body after a HEAD."""
    subprocess.run(["ab", "-q", "-k", "-i", "-c", "64", "-t", "1", "-n", "10000000", url], capture_output=True, timeout=60)
    result = subprocess.run(["ab", "-q", "-k", "-i", "-c", "64", "-t", str(seconds), "-n", "10000000", url],
                            capture_output=True, text=True, timeout=seconds + 60)
    output = result.stdout
    if "Requests per second" not in output:
        raise SystemExit(f"hotpath: ab failed on {url}: {result.stderr.strip()[-500:]} {output[-500:]}")
    failed = re.search(r"Non-2xx responses:\s+(\d+)", output)
    if failed:
        log(f"ab {url}: {failed.group(1)} non-2xx responses")
    return float(re.search(r"Requests per second:\s+([\d.]+)", output).group(1))


def get_all(url, clients, expected_digest=None):
    """`clients` concurrent GETs of `url`, each read to the end (and hashed when a digest is given).
    Returns (seconds, bytes per client, how many matched the digest)."""
    def one(_):
        hasher, size = hashlib.sha256(), 0
        with urllib.request.urlopen(url, timeout=600) as response:
            while chunk := response.read(1 << 20):
                size += len(chunk)
                if expected_digest:
                    hasher.update(chunk)
        return size, "sha256:" + hasher.hexdigest()
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(clients)))
    elapsed = time.monotonic() - started
    return elapsed, [size for size, _ in results], sum(digest == expected_digest for _, digest in results)


def curl_all(url, clients, flags=()):
    """`clients` parallel curl downloads to /dev/null, with curl `flags`; returns (seconds, total bytes)."""
    started = time.monotonic()
    processes = [subprocess.Popen(["curl", "-s", *flags, "-o", "/dev/null", "-w", "%{size_download}", url], stdout=subprocess.PIPE, text=True)
                 for _ in range(clients)]
    total = sum(int(p.communicate(timeout=600)[0] or 0) for p in processes)
    return time.monotonic() - started, total


def upstream_traffic(log_path, since, digest=None):
    """(GETs, bytes) the upstream served after entry `since`, for `digest` or for all blobs and manifests."""
    entries = accesslog.parse(log_path)[since:]
    gets = [e for e in entries if e["method"] == "GET" and (digest in e["path"] if digest else "/v2/bench/" in e["path"])]
    return len(gets), sum(e["bytes"] for e in gets)


def skopeo_pull(host, reference, into):
    shutil.rmtree(into, ignore_errors=True)
    started = time.monotonic()
    subprocess.run(["skopeo", "copy", "--src-tls-verify=false", f"docker://{host}/{reference}", f"dir:{into}"],
                   check=True, capture_output=True, timeout=600)
    return time.monotonic() - started


def seed(url):
    """Pushes the benchmark's images; returns their descriptions by repository."""
    registry_client = imagegen.Registry(url)
    app = imagegen.container_image(__import__("random").Random(7), "bench/app", "1.0")
    registry_client.push(app)
    images = {"bench/app": app.describe()}
    for repository, mib in (("bench/blob1g", 1024), ("bench/blob256", 256), ("bench/pull", 64)):
        images[repository] = imagegen.push_big_image(registry_client, mib, repository=repository)
    return images


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stowage", default=os.path.join(HERE, "..", ".build-release", "release", "stowage"))
    parser.add_argument("--nio-baseline", default=None, help="the bare NIO server (default: nio-baseline beside --stowage)")
    parser.add_argument("--seconds", type=int, default=5, help="duration of each wrk run")
    parser.add_argument("--workdir", help="where data goes (default: a new temporary directory, removed after)")
    parser.add_argument("--hits-only", action="store_true", help="skip the cold-fetch and cold-pull measurements")
    parser.add_argument("--skip-tls", action="store_true", help="skip the TLS rows (Stowage and nginx over TLS)")
    parser.add_argument("--skip-overhead", action="store_true", help="skip the metrics and access log overhead table")
    parser.add_argument("--stowage-flag", action="append", default=[], metavar="FLAG",
                        help="an extra flag for every stowage serve, e.g. --stowage-flag=--log-level=debug (default: none, as operators run it)")
    args = parser.parse_args()
    workdir = args.workdir or tempfile.mkdtemp(prefix="stowage-hotpath-")
    rows, overhead = [], []
    try:
        run(args, workdir, rows, overhead)
    finally:
        stop_children()
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(rows)
    if overhead:
        print()
        print_overhead(overhead)


def run(args, workdir, rows, overhead):
    upstream, upstream_url, upstream_log = registry(workdir, "upstream")
    log(f"upstream {upstream_url}; seeding 1 GiB + 256 MiB + 64 MiB images")
    images = seed(upstream_url)
    os.sync()  # let the seeding's writeback finish before anything is timed
    time.sleep(2)
    app, big, blob256, pull = (images[name] for name in ("bench/app", "bench/blob1g", "bench/blob256", "bench/pull"))
    big_layer = max(big["blobs"], key=lambda b: b["size"])
    layer256 = max(blob256["blobs"], key=lambda b: b["size"])

    # Warm Stowage and distribution's proxy with the manifest and the 1 GiB blob.
    server, stowage_url, storage = stowage(args.stowage, workdir, "stowage-warm", upstream_url, args.stowage_flag)
    proxy_process, proxy_url, _ = registry(workdir, "proxy-warm", proxy=upstream_url)
    for base in (stowage_url, proxy_url):
        for path in (f"/v2/bench/app/manifests/1.0", f"/v2/bench/app/manifests/{app['digest']}", f"/v2/bench/blob1g/blobs/{big_layer['digest']}"):
            urllib.request.urlopen(urllib.request.Request(base + path, headers={"Accept": ACCEPT}), timeout=600).read()
    os.sync()  # the proxy writes its copy in the background: let that finish before timing
    time.sleep(2)
    wait_idle([upstream, server, proxy_process])
    # nginx serves the same bytes: the manifest as a static file, the blob as Stowage's committed file.
    docroot = os.path.join(workdir, "docroot")
    manifest_bytes = urllib.request.urlopen(urllib.request.Request(f"{upstream_url}/v2/bench/app/manifests/{app['digest']}",
                                                                   headers={"Accept": ACCEPT})).read()
    os.makedirs(f"{docroot}/v2/bench/app/manifests")
    for name in (app["digest"], "1.0"):
        with open(f"{docroot}/v2/bench/app/manifests/{name}", "wb") as out:
            out.write(manifest_bytes)
    os.makedirs(f"{docroot}/v2/bench/blob1g/blobs")
    hexdigest = big_layer["digest"].split(":")[1]
    os.symlink(f"{storage}/blobs/sha256/{hexdigest[:2]}/{hexdigest}", f"{docroot}/v2/bench/blob1g/blobs/{big_layer['digest']}")
    web, nginx_url = nginx(workdir, docroot)

    targets = {"stowage": stowage_url, "distribution": proxy_url, "nginx": nginx_url}
    baseline = args.nio_baseline or os.path.join(os.path.dirname(args.stowage), "nio-baseline")
    small = dict(targets)
    if os.path.exists(baseline):
        small["nio"] = nio_baseline(baseline, f"{docroot}/v2/bench/app/manifests/{app['digest']}", app["digest"])
    else:
        log(f"{baseline} not built: no bare-NIO column (swift build -c release --scratch-path .build-release --product nio-baseline)")
    for label, path in (("manifest GET by digest", f"/v2/bench/app/manifests/{app['digest']}"),
                        ("manifest GET by tag", "/v2/bench/app/manifests/1.0")):
        figures = {name: wrk(base + path, args.seconds, accept=ACCEPT) for name, base in small.items()}
        rows.append((f"{label}, req/s", {n: f[0] for n, f in figures.items()}, "higher"))
        rows.append((f"{label}, p99 ms", {n: f[1] for n, f in figures.items()}, "lower"))
        log(f"{label}: " + ", ".join(f"{n} {f[0]:.0f}/s p99 {f[1]:.2f} ms" for n, f in figures.items()))
    blob_path = f"/v2/bench/blob1g/blobs/{big_layer['digest']}"
    heads = {name: ab_head(base + blob_path, args.seconds) for name, base in small.items()}
    rows.append(("blob HEAD, req/s", heads, "higher"))
    log("blob HEAD: " + ", ".join(f"{n} {v:.0f}/s" for n, v in heads.items()))

    processes = {"stowage": server, "distribution": proxy_process, "nginx": web}
    warm_gets(targets, processes, blob_path, "", rows)

    manifest_path = f"/v2/bench/app/manifests/{app['digest']}"
    if not (args.skip_tls and args.skip_overhead):
        stop(server)  # one process per store: what follows restarts Stowage on this warm store
    if not args.skip_tls:
        tls_section(args, workdir, upstream_url, docroot, manifest_path, blob_path, rows)
    if not args.skip_overhead:
        overhead_section(args, workdir, upstream_url, manifest_path, blob_path, overhead)
    if args.hits_only:
        return
    # 32 concurrent cold GETs of one 256 MiB blob, through a fresh Stowage and a fresh proxy.
    cold = {}
    for name in ("stowage", "distribution"):
        process, base = empty_cache(name, args, workdir, "cold", upstream_url)
        since = len(accesslog.parse(upstream_log))
        peak = [0.0]
        sampling = threading.Event()

        def sample(pid=process.pid):
            while not sampling.is_set():
                peak[0] = max(peak[0], anonymous_rss_mib(pid))
                time.sleep(0.05)
        sampler = threading.Thread(target=sample)
        sampler.start()
        seconds, sizes, correct = get_all(f"{base}/v2/bench/blob256/blobs/{layer256['digest']}", 32, layer256["digest"])
        sampling.set()
        sampler.join()
        time.sleep(0.5)  # the registry logs a response just after it completes
        gets, served = upstream_traffic(upstream_log, since, layer256["digest"])
        cold[name] = (gets, served, correct, seconds, peak[0])
        log(f"32 cold GETs of 256 MiB via {name}: upstream {gets} GETs, {served / (1 << 20):.0f} MiB; {correct}/32 correct; "
            f"{seconds:.1f} s; peak anonymous RSS {peak[0]:.0f} MiB")
    rows.append(("32 cold GETs of 256 MiB: upstream GETs", {n: v[0] for n, v in cold.items()}, "lower"))
    rows.append(("32 cold GETs of 256 MiB: upstream MiB", {n: v[1] / (1 << 20) for n, v in cold.items()}, "lower"))
    rows.append(("32 cold GETs of 256 MiB: clients with correct bytes", {n: v[2] for n, v in cold.items()}, "higher"))
    rows.append(("32 cold GETs of 256 MiB: seconds", {n: v[3] for n, v in cold.items()}, "lower"))
    rows.append(("32 cold GETs of 256 MiB: peak RSS MiB (anonymous)", {n: v[4] for n, v in cold.items()}, "lower"))

    # One cold image pull with skopeo: upstream bytes against the image's size, time against the upstream.
    image_bytes = pull["size"] + sum(b["size"] for b in pull["blobs"])
    pulls = {}
    direct = skopeo_pull(upstream_url.removeprefix("http://"), "bench/pull:1.0", os.path.join(workdir, "pull-direct"))
    for name in ("stowage", "distribution"):
        _, base = empty_cache(name, args, workdir, "pull", upstream_url)
        since = len(accesslog.parse(upstream_log))
        seconds = skopeo_pull(base.removeprefix("http://"), "bench/pull:1.0", os.path.join(workdir, f"pull-{name}"))
        time.sleep(0.5)
        _, served = upstream_traffic(upstream_log, since)
        pulls[name] = (served / image_bytes, seconds)
        log(f"cold pull of bench/pull:1.0 ({image_bytes / (1 << 20):.0f} MiB) via {name}: upstream bytes {served / image_bytes:.2f}x the image, "
            f"{seconds:.2f} s (direct from the upstream {direct:.2f} s)")
    rows.append(("cold image pull: upstream bytes / image size", {n: v[0] for n, v in pulls.items()}, "lower"))
    rows.append(("cold image pull: seconds (direct from upstream: %.2f)" % direct, {n: v[1] for n, v in pulls.items()}, "lower"))


def warm_gets(targets, processes, blob_path, prefix, rows, curl_flags=()):
    """Rows for the warm 1 GiB GET by 1 and 8 curl clients of every target: MB/s, and the server's
    CPU-seconds per GiB served."""
    for base in targets.values():
        curl_all(base + blob_path, 1, curl_flags)  # untimed: every server's copy is in the page cache
    for clients in (1, 8):
        rates, cpus = {}, {}
        for name, base in targets.items():
            cpu_before = cpu_seconds(processes[name])
            seconds, total = curl_all(base + blob_path, clients, curl_flags)
            if not total:
                log(f"{prefix}warm 1 GiB x{clients} via {name}: no bytes")
                continue
            rates[name] = total / seconds / 1e6
            cpus[name] = (cpu_seconds(processes[name]) - cpu_before) / (total / (1 << 30))
        rows.append((f"{prefix}warm 1 GiB GET x{clients}, MB/s", rates, "higher"))
        rows.append((f"{prefix}warm 1 GiB GET x{clients}, server CPU-s per GiB", cpus, "lower"))
        log(f"{prefix}warm 1 GiB x{clients}: " + ", ".join(f"{n} {rates[n]:.0f} MB/s {cpus[n]:.2f} CPU-s/GiB" for n in rates))


def tls_section(args, workdir, upstream_url, docroot, manifest_path, blob_path, rows):
    """TLS rows, Stowage against nginx: Stowage with the TLS flags on the warm store (the plain one
    stopped), a second nginx with `ssl` on the same files and certificate. Skipped, with a line in the
    log, when this `stowage` does not take the flags."""
    ca, certificate, key = test_certificates(workdir)
    started = stowage(args.stowage, workdir, "stowage-warm", upstream_url,
                      ["--tls-certificate", certificate, "--tls-key", key, *RESTARTED, *args.stowage_flag], required=False)
    if started is None or not started[1].startswith("https://"):
        log("this stowage does not serve TLS (--tls-certificate, --tls-key): no TLS rows")
        if started:
            stop(started[0])
        return
    server, stowage_url, _ = started
    web, nginx_url = nginx(workdir, docroot, tls=(ca, certificate, key))
    targets = {"stowage": stowage_url, "nginx": nginx_url}
    processes = {"stowage": server, "nginx": web}
    for name, base in targets.items():
        log(f"TLS {name}: {tls_session(base, ca)}")
    wait_idle(list(processes.values()))
    figures = {name: wrk(base + manifest_path, args.seconds, accept=ACCEPT) for name, base in targets.items()}
    rows.append(("TLS manifest GET by digest, req/s", {n: f[0] for n, f in figures.items()}, "higher"))
    rows.append(("TLS manifest GET by digest, p99 ms", {n: f[1] for n, f in figures.items()}, "lower"))
    log("TLS manifest GET by digest: " + ", ".join(f"{n} {f[0]:.0f}/s p99 {f[1]:.2f} ms" for n, f in figures.items()))
    warm_gets(targets, processes, blob_path, "TLS ", rows, ["--cacert", ca, "--http1.1"])
    stop(server)
    stop(web)


def overhead_section(args, workdir, upstream_url, manifest_path, blob_path, overhead):
    """Overhead rows: Stowage with metrics and an access line for every request against neither, and
    nginx with its access log against without; each pair served at once and measured in alternating
    slices: manifest GET by digest (wrk) and blob HEAD (ab) req/s, the mean of each side's slices."""
    copy = os.path.join(workdir, "stowage-warm-off")
    if not os.path.exists(copy):
        os.makedirs(copy)
        subprocess.run(["cp", "-al", os.path.join(workdir, "stowage-warm", "blobs"), copy], check=True)
        for part in ("index", "ingest"):
            subprocess.run(["cp", "-a", os.path.join(workdir, "stowage-warm", part), copy], check=True)
    on, on_url, _ = stowage(args.stowage, workdir, "stowage-warm", upstream_url, ["--access-log", *RESTARTED, *args.stowage_flag],
                            metrics="127.0.0.1:0")
    off, off_url, _ = stowage(args.stowage, workdir, "stowage-warm-off", upstream_url, [*RESTARTED, *args.stowage_flag], metrics="off")
    docroot = os.path.join(workdir, "docroot")
    (logged, logged_url), (quiet, quiet_url) = nginx(workdir, docroot, access_log=True), nginx(workdir, docroot, name="nginx-quiet")
    wait_idle([on, off, logged, quiet])
    pairs = (("Stowage, metrics + access log", on_url, off_url), ("nginx, access log", logged_url, quiet_url))
    for name, with_url, without_url in pairs:
        for label, measure, path in (("manifest GET by digest, req/s", lambda url: wrk(url, args.seconds, accept=ACCEPT)[0], manifest_path),
                                     ("blob HEAD, req/s", lambda url: ab_head(url, args.seconds), blob_path)):
            figures = {"on": [], "off": []}
            for index in range(8):
                order = (("on", with_url), ("off", without_url)) if index % 2 == 0 else (("off", without_url), ("on", with_url))
                for state, url in order:
                    figures[state].append(measure(url + path))
            mean_on, mean_off = (sum(figures[state]) / len(figures[state]) for state in ("on", "off"))
            overhead.append((f"{name}: {label}", mean_on, mean_off))
            log(f"overhead {name}, {label}: on/off by slice " + ", ".join(f"{a / b:.3f}" for a, b in zip(figures["on"], figures["off"])))
    for process in (on, off, logged, quiet):
        stop(process)


def empty_cache(name, args, workdir, label, upstream_url):
    """A fresh Stowage or distribution proxy in front of the upstream; returns (process, url)."""
    if name == "stowage":
        process, base, _ = stowage(args.stowage, workdir, f"stowage-{label}", upstream_url, args.stowage_flag)
    else:
        process, base, _ = registry(workdir, f"proxy-{label}", proxy=upstream_url)
    return process, base


def number(value):
    return "—" if value is None else (f"{value:.2f}" if value < 100 else f"{value:,.0f}")


def print_table(rows):
    print("| figure | Stowage | distribution proxy | nginx | bare NIO | Stowage / distribution | Stowage / nginx | Stowage / bare NIO | bare NIO / nginx |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, values, _ in rows:
        def cell(name):
            return number(values.get(name))

        def ratio(one, other):
            if values.get(one) is None or not values.get(other):
                return "—"
            return f"{values[one] / values[other]:.2f}×"
        print(f"| {label} | {cell('stowage')} | {cell('distribution')} | {cell('nginx')} | {cell('nio')} | {ratio('stowage', 'distribution')} "
              f"| {ratio('stowage', 'nginx')} | {ratio('stowage', 'nio')} | {ratio('nio', 'nginx')} |")


def print_overhead(overhead):
    """The overhead table: with metrics and access log (nginx: its access log), without, and the ratio."""
    print("| figure | on | off | on/off |")
    print("|---|---|---|---|")
    for label, on, off in overhead:
        print(f"| {label} | {number(on)} | {number(off)} | {f'{on / off:.3f}×' if off else '—'} |")


if __name__ == "__main__":
    main()
