#!/usr/bin/env bash
# Moderation benchmark (issue 15), two parts, each a ratio measured in the same run:
#
# 1. The inbox's refusal of a blocked instance costs no more than its signature check:
#    bench/federation's inbox phase (signed Likes and Views from 1,000 actors on 50 loopback
#    hosts, verified and applied), then the instance blocks 10 of those hosts and their actors
#    send as many new signed activities: refused per second against accepted per second.
# 2. Lists with a 10,000-host blocklist stay within 10 % of the same lists without it:
#    bench/api/lists.py with --blocklist 10000 (10,000 videos seeded, wrk -t2 -c64), on SQLite
#    and PostgreSQL.
#
#   bench/moderation/run.sh                 # both parts, ~10 min on 2 cores
#   bench/moderation/run.sh --only inbox    # or --only lists
#
# Needs what each part needs: ffmpeg (part 1), wrk and a PostgreSQL on 127.0.0.1:55432 (part 2;
# scripts/pg-start.sh /tmp/pg 55432). Prints Markdown for bench/RESULTS.md on stdout.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ruche-target}"
only=""
if [ "${1:-}" = "--only" ]; then only="$2"; shift 2; fi

cargo build --quiet --release -p ruche
echo "## $(date +%F) — moderation (bench/moderation/run.sh)"
echo
if [ -z "$only" ] || [ "$only" = inbox ]; then
  bench/federation/run.sh --rounds 1 --blocked 10
fi
if [ -z "$only" ] || [ "$only" = lists ]; then
  bench/api/lists.py --blocklist 10000
fi
