#!/usr/bin/env bash
# Federation benchmark: one new video fanned out to 1,000 follower inboxes on 50 loopback hosts,
# all alive and then with 10 % of the hosts dead (they accept connections and never answer);
# then signed Likes and Views taken in by Ruche's inbox, against GET /api/v1/config on the same
# server. See crates/ruche/examples/federation_bench.rs.
#
#   bench/federation/run.sh                            # 3 rounds, ~4 min on 2 cores
#   bench/federation/run.sh --rounds 1                 # quick check
#   bench/federation/run.sh --dead-kind both           # also dead hosts that refuse connections
#   bench/federation/run.sh --logs bench/work/federation/logs --log info,ruche_tube=debug
#
# Needs ffmpeg with libx264. The actors' key pairs are made once and kept in
# bench/work/federation/keys.json (git-ignored); everything else lives in a temporary directory
# removed at the end. Prints Markdown for bench/RESULTS.md on stdout, progress on stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ruche-target}"

cargo build --quiet --release -p ruche
tmp="$(mktemp -d -t ruche-fedbench.XXXXXX)"
# The bench removes its own files and servers; this catches what an interruption leaves.
trap 'rm -rf "$tmp"' EXIT
# The bench's defaults are this checkout's paths: $CARGO_TARGET_DIR/release/ruche and
# bench/work/federation/keys.json (relative to the root we are in).
cargo run --quiet --release -p ruche --example federation_bench -- --tmp "$tmp" "$@"
