"""Parses the access log lines of distribution (combined log format) from a registry's output.

    python3 accesslog.py LOGFILE   ->   [{"method", "path", "status", "bytes"}, ...]

A line looks like: 127.0.0.1 - - [21/Nov/2026:18:47:50 +0000] "GET /v2/x/blobs/sha256:… HTTP/1.1" 200 157 "" "ua"
Other log lines (distribution's own messages) are skipped.
"""
import json
import re
import sys

LINE = re.compile(r'^\S+ \S+ \S+ \[[^\]]+\] "(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[0-9.]+" (?P<status>\d{3}) (?P<bytes>\d+|-)')


def parse(path):
    entries = []
    with open(path, errors="replace") as log:
        for line in log:
            match = LINE.match(line)
            if match:
                entries.append({"method": match["method"], "path": match["path"], "status": int(match["status"]),
                                "bytes": 0 if match["bytes"] == "-" else int(match["bytes"])})
    return entries


if __name__ == "__main__":
    json.dump(parse(sys.argv[1]), sys.stdout)
    print()
