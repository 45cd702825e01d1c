#!/usr/bin/env python3
"""Writes docs/api.md: every path and method of PeerTube's OpenAPI document with its status in
Ruche, so that the gap is always visible.

A method is *done* when our router serves it (read from the `.route(...)` calls under
crates/web/src, and from the API's route table, its `.op("METHOD", "path", …)` entries), unless PARTIAL says what is missing; *not yet* when it does not, unless
NOT_APPLICABLE says why it never will. Run it after adding or removing a route:

    python3 scripts/api-status.py [path/to/peertube-openapi.yaml] > docs/api.md
"""
import pathlib
import re
import sys
from collections import defaultdict

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPEC = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/fixtures/peertube-openapi-6.3.yaml"
METHODS = ("get", "post", "put", "delete", "patch")

# (METHOD, path as PeerTube's document writes it): what our route lacks.
PARTIAL = {
}

# Paths PeerTube's document writes loosely, and the route that serves them here.
ALIASES = {
    "/static/streaming-playlists/hls/{filename}": "/static/streaming-playlists/hls/{uuid}/{file}",
    "/static/streaming-playlists/hls/private/{filename}":
        "/static/streaming-playlists/hls/private/{uuid}/{file}",
    # One route serves a channel's avatar and banner alike.
    "/api/v1/video-channels/{channelHandle}/avatar/pick": "/api/v1/video-channels/{handle}/{which}/pick",
    "/api/v1/video-channels/{channelHandle}/banner/pick": "/api/v1/video-channels/{handle}/{which}/pick",
    "/api/v1/video-channels/{channelHandle}/avatar": "/api/v1/video-channels/{handle}/{which}",
    "/api/v1/video-channels/{channelHandle}/banner": "/api/v1/video-channels/{handle}/{which}",
}

# Path prefixes that will not be served, and why.
NOT_APPLICABLE = {
    "/api/v1/runners": "remote transcoding runners: Ruche transcodes in its own job queue",
    "/api/v1/plugins": "PeerTube's Node plugins cannot run in Ruche",
    "/api/v1/server/logs": "logs go to the process's output (tracing), read with the system's tools",
    "/api/v1/server/audit-logs": "logs go to the process's output; an audit log comes with issue 15",
}


def norm(path):
    """A path with its parameters unnamed, PeerTube's `:id` and `{id}` alike."""
    path = re.sub(r"\{[^}]*\}", "{}", path)
    return re.sub(r":[A-Za-z]+", "{}", path)


def our_routes():
    routes = set()
    for f in (ROOT / "crates/web/src").rglob("*.rs"):
        text = f.read_text()
        for m in re.finditer(r"\.route\(\s*\"([^\"]+)\"\s*,", text):
            # The handlers of this route: up to the next `.route(` or the end of the chain.
            rest = text[m.end():]
            end = rest.find(".route(")
            body = rest if end < 0 else rest[:end]
            for method in re.findall(r"\b(get|post|put|delete|patch)\s*\(", body):
                routes.add((method.upper(), norm(m.group(1))))
        for m in re.finditer(r"\.op\(\s*\"([A-Z]+)\",\s*\"([^\"]+)\"", text):
            routes.add((m.group(1), norm(m.group(2))))
    return routes


def main():
    spec = yaml.safe_load(SPEC.read_text())
    ours = our_routes()
    by_tag = defaultdict(list)
    counts = defaultdict(int)
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            key = (method.upper(), path)
            tag = (op.get("tags") or ["Other"])[0]
            na = next((why for p, why in NOT_APPLICABLE.items() if path.startswith(p)), None)
            if (method.upper(), norm(ALIASES.get(path, path))) in ours:
                status, why = ("partial", PARTIAL[key]) if key in PARTIAL else ("done", "")
            elif na:
                status, why = "not applicable", na
            else:
                status, why = "not yet", ""
            counts[status] += 1
            by_tag[tag].append((path, method.upper(), status, why, op.get("summary", "")))
    out = [
        "# PeerTube's API in Ruche",
        "",
        f"Every path and method of PeerTube's OpenAPI document ({SPEC.name}), with its status",
        "here. Written by `scripts/api-status.py` from our router: run it after changing routes.",
        "",
        "| status | operations |",
        "|---|---|",
    ]
    for s in ("done", "partial", "not yet", "not applicable"):
        out.append(f"| {s} | {counts[s]} |")
    for tag in sorted(by_tag):
        rows = by_tag[tag]
        done = sum(1 for r in rows if r[2] == "done")
        out += ["", f"## {tag} ({done}/{len(rows)} done)", "", "| method | path | status | note |", "|---|---|---|---|"]
        for path, method, status, why, summary in sorted(rows):
            note = why or summary
            out.append(f"| {method} | `{path}` | {status} | {note} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
