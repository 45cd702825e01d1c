#!/usr/bin/env bash
# Lighthouse (mobile) on the watch and embed pages of a real `ruche serve` (release build,
# SQLite, fresh data dirs under bench/lighthouse/.cache, 127.0.0.1 only) with an uploaded clip
# transcoded into its ladder (10 s, 1280x720 → 720/480/360/240). See README.md.
#
#   bench/lighthouse/run.sh                               # the release build, 3 runs per page
#   bench/lighthouse/run.sh --baseline /tmp/ruche-old     # before/after in the same run
#   bench/lighthouse/run.sh --identity                    # also with compression off
#   options: --bin PATH (default $CARGO_TARGET_DIR/release/ruche), --runs N
#
# Installs what it lacks: chromium and ffmpeg with apt, Lighthouse (pinned in package-lock.json)
# into bench/lighthouse/node_modules. Reports go to bench/lighthouse/.cache/<date>/ (git-ignored);
# Markdown for bench/RESULTS.md to stdout and to .cache/<date>/last-run.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$HOME/.cache/ruche-target}"
bin="$target/release/ruche"
bench_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --baseline) bench_args+=(--baseline "$2"); shift 2 ;;
    --runs) bench_args+=(--runs "$2"); shift 2 ;;
    --identity) bench_args+=(--identity); shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "[bench/lighthouse] $*" >&2; }

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)
command -v node >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]} with apt"
  apt-get install -y "${need_apt[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${need_apt[@]}" >&2; }
fi
if [ ! -x "$here/node_modules/.bin/lighthouse" ]; then
  log "installing Lighthouse (pinned) into bench/lighthouse/node_modules"
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi
if [ ! -x "$bin" ]; then
  log "building the release binary"
  (cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -p ruche >&2)
fi

cache="$here/.cache"
mkdir -p "$cache"
clip="$cache/clip-720p.mp4"
if [ ! -s "$clip" ]; then
  log "making the clip"
  ffmpeg -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=10" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=10" \
    -vf "noise=alls=12:allf=t" -map 0:v:0 -map 1:a:0 \
    -c:v libx264 -preset veryfast -b:v 3M -pix_fmt yuv420p -g 60 \
    -c:a aac -b:a 128k -ac 2 -shortest -movflags +faststart "$clip"
fi
out="$cache/$(date -u +%Y%m%dT%H%M%SZ)"
node "$here/bench.mjs" --bin "$bin" --clip "$clip" --out "$out" "${bench_args[@]}"
# The data dirs are only needed while the servers run.
rm -rf "$out"/data-*
