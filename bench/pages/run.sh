#!/usr/bin/env bash
# Pages benchmark: the issue's quality bars on a published one-page site that uses every block
# type (a French association's site, its pictures imported as data:image/jpeg URIs), served by a
# real `ruche serve` (release build, SQLite, a fresh data dir under /tmp, 127.0.0.1 only):
#
#   1. Lighthouse (pinned npm package, Debian's Chromium, mobile): the four scores, 3 runs,
#      median performance, and the audits that keep a category under 100;
#   2. the first view's HTML + CSS + JS, compressed, images and fonts excluded (bar 50 kB);
#   3. wrk req/s of the page against a static file of the same server, alternated (bar 5000).
#
#   bench/pages/run.sh                          # everything (~3 min on 2 cores)
#   bench/pages/run.sh --skip-wrk               # or --skip-lighthouse
#   bench/pages/run.sh --runs 1 --rounds 1 --duration 3   # quick check
#   options: --bin PATH (default $CARGO_TARGET_DIR/release/ruche), --static /assets/…,
#            --connections 32 --threads 2, --no-control (skip the picture-less control page)
#
# Installs what it lacks: wrk and chromium with apt, Lighthouse (bench/pages/package-lock.json)
# into bench/pages/node_modules. Pictures and reports go to bench/pages/.cache (git-ignored);
# Markdown for bench/RESULTS.md goes to stdout and to bench/pages/.cache/last-run.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$HOME/.cache/ruche-target}"
bin="$target/release/ruche"
control=1
measure_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --no-control) control=0; shift ;;
    --skip-wrk|--skip-lighthouse) measure_args+=("$1"); shift ;;
    --runs|--rounds|--duration|--connections|--threads|--static) measure_args+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

log() { echo "[bench/pages] $*" >&2; }

# --- tools -----------------------------------------------------------------------------------
need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)
command -v node >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]} with apt"
  apt-get install -y "${need_apt[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${need_apt[@]}" >&2; }
fi
if [ ! -x "$here/node_modules/.bin/lighthouse" ]; then
  log "installing Lighthouse (pinned) into bench/pages/node_modules"
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi
if [ ! -x "$bin" ]; then
  log "building the release binary"
  (cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -p ruche >&2)
fi

# --- pictures: photo-sized JPEGs from ffmpeg's test sources, with grain ------------------------
cache="$here/.cache"
img="$cache/images"
mkdir -p "$img"
make_jpeg() { # name source
  [ -s "$img/$1" ] && return
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "$2" \
    -vf "noise=alls=10:allf=t,format=yuvj420p" -frames:v 1 -q:v 4 "$img/$1"
}
W=1600x900
S=800x800
make_jpeg wide-1.jpg "mandelbrot=size=$W:start_scale=2.2:start_x=-0.75"
make_jpeg wide-2.jpg "testsrc2=size=$W"
make_jpeg wide-3.jpg "cellauto=size=$W:rule=110,gblur=sigma=3"
make_jpeg wide-4.jpg "gradients=size=$W:c0=0x2f6b3a:c1=0xe8c37a:c2=0x3b6ea5:nb_colors=3:seed=4"
make_jpeg wide-5.jpg "life=size=$W:mold=10:ratio=0.5:death_color=#3a5a40:life_color=#e9c46a,gblur=sigma=2.5"
make_jpeg wide-6.jpg "mandelbrot=size=$W:start_scale=0.05:start_x=-0.7435669:start_y=0.1314023"
make_jpeg wide-7.jpg "gradients=size=$W:c0=0x8c4a2f:c1=0xd9a441:c2=0x6b8f3a:c3=0x2b4a6f:nb_colors=4:seed=7"
make_jpeg square-1.jpg "mandelbrot=size=$S:start_scale=1.5"
make_jpeg square-2.jpg "testsrc2=size=$S"
make_jpeg square-3.jpg "gradients=size=$S:c0=0xb5482f:c1=0xf2d0a4:c2=0x4a7c59:nb_colors=3:seed=3"
make_jpeg square-4.jpg "cellauto=size=$S:rule=30,gblur=sigma=2"
make_jpeg square-5.jpg "life=size=$S:mold=20:ratio=0.3:death_color=#5b3a29:life_color=#a3c16a,gblur=sigma=2"
make_jpeg square-6.jpg "mandelbrot=size=$S:start_scale=0.2:start_x=-1.25066:start_y=0.02012"

slug=jardins-croix-rousse
node "$here/site.mjs" "$img" "$slug" "$cache/site.json"
if [ "$control" = 1 ]; then
  # The same site without its pictures: tells the cost of rendering from the cost of bytes.
  node -e '
    const fs = require("fs");
    const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    s.slug = process.argv[3];
    const strip = (v) => { if (Array.isArray(v)) return v.map(strip);
      if (v && typeof v === "object") { const o = {}; for (const [k, x] of Object.entries(v)) {
        if (k === "image") continue; if (k === "images") { o[k] = []; continue; } o[k] = strip(x); } return o; }
      return v; };
    s.blocks = strip(s.blocks);
    fs.writeFileSync(process.argv[2], JSON.stringify(s));
  ' "$cache/site.json" "$cache/control.json" "$slug-texte"
  measure_args+=(--control "$slug-texte")
fi
log "site document: $(du -h "$cache/site.json" | cut -f1), pictures $(du -ch "$img"/*.jpg | tail -1 | cut -f1)"

# --- server ----------------------------------------------------------------------------------
data="$(mktemp -d /tmp/ruche-bench-pages.XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export RUCHE_DATA_DIR="$data" RUCHE_LISTEN="127.0.0.1:$port" RUCHE_PUBLIC_URL="http://127.0.0.1:$port" RUCHE_LOG=warn
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT
"$bin" serve >"$data/serve.out" 2>"$data/serve.err" &
server_pid=$!
for _ in $(seq 1 200); do
  grep -q "running at" "$data/serve.out" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$data/serve.err" >&2; exit 1; }
  sleep 0.1
done
grep -q "running at" "$data/serve.out" || { log "the server did not start"; cat "$data/serve.err" >&2; exit 1; }
log "ruche serve (pid $server_pid) on $RUCHE_PUBLIC_URL, data in $data"

echo "bench-$(date +%s)-password" | "$bin" user create --username jardins --email bureau@jardins-croix-rousse.fr \
  --role user --password-stdin >&2
"$bin" pages import --owner jardins "$cache/site.json" >&2
[ "$control" = 1 ] && "$bin" pages import --owner jardins "$cache/control.json" >&2

# What was measured: the source tree's commit (and whether it had local changes) and the binary.
export BENCH_BUILD="commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- crates assets 2>/dev/null || echo ' with uncommitted changes in crates/ or assets/'), binary built $(date -r "$bin" '+%Y-%m-%d %H:%M')"
rm -rf "$cache/reports"
node "$here/measure.mjs" --base "$RUCHE_PUBLIC_URL" --slug "$slug" --out "$cache/reports" "${measure_args[@]}" \
  | tee "$cache/last-run.md"
log "reports in $cache/reports, Markdown in $cache/last-run.md"
