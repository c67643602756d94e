"""Reads the access log docker-registry (distribution 2.8) writes, so tests can count upstream requests.

    python3 accesslog.py LOGFILE   ->   [{"method": "GET", "path": "/v2/…", "status": 200, "bytes": 157}, …]

distribution logs each response when it completes, in Apache combined format, on stdout, next to
its own logrus lines (`time="…" level=info msg="response completed" …`, which are skipped):

    127.0.0.1 - - [21/Nov/2026:19:20:56 +0000] "GET /v2/x/blobs/sha256:… HTTP/1.1" 200 157 "" "curl/7.88.1"

"path" is the request URI as logged, query string included; "bytes" is what the handler wrote: a HEAD
that finds its blob logs 0, a failed HEAD logs the length of the error body Go then dropped. A line
is written just after its response, so one may land a moment after the client has read the body.
"""
import json
import re
import sys

LINE = re.compile(r'^\S+ \S+ \S+ \[[^\]]*\] "(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3}) (?P<bytes>\d+) ')


def parse(path):
    """The access-log entries of the log file at `path`, oldest first."""
    with open(path, encoding="utf-8", errors="replace") as log:
        return [{"method": match["method"], "path": match["path"], "status": int(match["status"]), "bytes": int(match["bytes"])}
                for match in map(LINE.match, log) if match]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: accesslog.py LOGFILE")
    json.dump(parse(sys.argv[1]), sys.stdout)
    print()


if __name__ == "__main__":
    main()
