#!/usr/bin/env bash
# P2P benchmark: N headless Chromium viewers (Debian's /usr/bin/chromium through playwright-core,
# one browser, one context per viewer) started a few seconds apart on one video of a real
# `ruche serve` (release build, SQLite, fresh data dir, 127.0.0.1 only), each playing it to the
# end on the watch page; for each N once with the player's P2P on and once with it off (the
# viewer's Share box unticked). Reports the share of media-segment bytes that came from peers
# rather than the server, stalls and startup. See bench.mjs for what is measured and how.
#
#   bench/p2p/run.sh                               # N = 2, 4, 6, a 90 s clip (~12 min)
#   bench/p2p/run.sh --viewers 2 --duration 30     # quick check
#   options: --bin PATH (default: $RUCHE_BIN, else ${CARGO_TARGET_DIR:-~/.cache/ruche-target}/release/ruche,
#            built with `cargo build --release -p ruche` only if missing), and bench.mjs's own:
#            --viewers 2,4,6 --stagger S --duration S --size WxH --vbitrate R --resolutions LIST
#            --order on,off --leave --pause S
#
# Needs node, ffmpeg and chromium; playwright-core comes from tests/browser/node_modules (the
# browser tests' pinned install, `npm ci` there when it is missing, as scripts/test.sh does).
# Results go to bench/p2p/.cache/<date-time>/ (git-ignored): one JSON per run, the server's log,
# and the Markdown for bench/RESULTS.md (also on stdout).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$HOME/.cache/ruche-target}"
bin="${RUCHE_BIN:-$target/release/ruche}"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --leave) args+=("$1"); shift ;;
    --viewers|--stagger|--duration|--size|--vbitrate|--resolutions|--order|--pause) args+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "[bench/p2p] $*" >&2; }

for tool in node ffmpeg; do
  command -v "$tool" >/dev/null || { log "$tool is missing (apt-get install nodejs ffmpeg)"; exit 1; }
done
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || { log "chromium is missing (apt-get install chromium)"; exit 1; }
if [ ! -f "$root/tests/browser/node_modules/playwright-core/package.json" ]; then
  log "installing the browser tests' pinned playwright-core (npm ci in tests/browser)"
  (cd "$root/tests/browser" && npm ci --no-audit --no-fund >&2)
fi
if [ ! -x "$bin" ]; then
  log "no binary at $bin: cargo build --release -p ruche"
  (cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -p ruche >&2)
  bin="$target/release/ruche"
fi

stale=""
[ -n "$(find "$root/crates" "$root/assets" -type f -newer "$bin" -print -quit)" ] && stale=", OLDER than some sources in crates/ or assets/"
export BENCH_BUILD="release build of $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- crates assets 2>/dev/null || echo ' with uncommitted changes in crates/ or assets/') (binary of $(date -r "$bin" '+%Y-%m-%d %H:%M')$stale)"
export BENCH_MACHINE="$(nproc) vCPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/^Mem:/{print $2}') GB, Linux $(uname -r), Node $(node --version), $(/usr/bin/chromium --version 2>/dev/null | head -1)"
export BENCH_DATE="$(date '+%Y-%m-%d %H:%M')"

out="$here/.cache/$(date '+%Y-%m-%d-%H%M%S')"
mkdir -p "$out"
log "binary $bin; results in $out"
node "$here/bench.mjs" --bin "$bin" --out "$out" "${args[@]}"
