#!/usr/bin/env bash
# Tracker benchmark: Ruche's WebTorrent tracker (`ruche serve`, release build, SQLite, loopback,
# `/tracker/socket`) against PeerTube's (@peertube/bittorrent-tracker-server 11.1.2, wired as
# PeerTube wires it: peertube-tracker.mjs), one after the other on this machine, under the same
# load from load.mjs: N simulated WebSocket peers over H info hashes, each announcing `started`
# with 5 offers of ~1.5 kB, then re-announcing in a closed loop.
#
#   bench/tracker/run.sh                        # 10,000 peers, 100 hashes, both trackers (~4 min)
#   bench/tracker/run.sh --peers 2000 --window 10 --idle 5      # quick check
#   options: --bin PATH (default: build and use $CARGO_TARGET_DIR/release/ruche), --no-build,
#            --peers N, --hashes H,
#            --workers W (generator processes), --warmup S, --window S, --idle S,
#            --paced-rate R (announces/s in all for the latency-at-equal-load phase; 0 = skip),
#            --paced-window S, --only ruche|peertube, --order ruche,peertube (or peertube,ruche),
#            --pin (tracker on CPU 0, generator on CPU 1)
#
# Ruche runs with RUCHE_P2P_PRIVATE=false (any info hash is tracked) and the per-address limits
# raised, since every simulated peer comes from 127.0.0.1 (the rate limiter stays in the path,
# at 4e9 announces per 5 minutes). Installs what it lacks: node/npm with apt, the pinned packages
# (package-lock.json) into bench/tracker/node_modules, the release binary with cargo. Results go
# to bench/tracker/.cache/<date-time>/ (git-ignored): one JSON per tracker, the servers' logs, and
# Markdown for bench/RESULTS.md (also on stdout).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$HOME/.cache/ruche-target}"
bin="$target/release/ruche"
build=1
peers=10000
hashes=100
workers=2
warmup=5
window=30
idle=10
paced_rate=1000
paced_window=20
order="ruche,peertube"
pin=0
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; build=0; shift 2 ;;
    --no-build) build=0; shift ;;
    --peers) peers="$2"; shift 2 ;;
    --hashes) hashes="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --window) window="$2"; shift 2 ;;
    --idle) idle="$2"; shift 2 ;;
    --paced-rate) paced_rate="$2"; shift 2 ;;
    --paced-window) paced_window="$2"; shift 2 ;;
    --only) order="$2"; shift 2 ;;
    --order) order="$2"; shift 2 ;;
    --pin) pin=1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
log() { echo "[bench/tracker] $*" >&2; }

# --- tools -----------------------------------------------------------------------------------
if ! command -v node >/dev/null; then
  log "installing nodejs and npm with apt"
  apt-get install -y nodejs npm >&2 || { apt-get update >&2 && apt-get install -y nodejs npm >&2; }
fi
if [ ! -f "$here/node_modules/@peertube/bittorrent-tracker-server/package.json" ] || [ ! -f "$here/node_modules/ws/package.json" ]; then
  log "installing the pinned packages into bench/tracker/node_modules"
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi
if [ "$build" = 1 ] || [ ! -x "$bin" ]; then
  # A no-op when the binary is up to date; a binary older than the sources measures old code.
  log "cargo build --release -p ruche"
  (cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release -p ruche >&2)
fi

# Every peer is a socket on both ends: the tracker holds N, the generator N.
want=$((peers + 4096))
ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
  log "ulimit -n is $(ulimit -n), below the $want this run needs"; exit 1
fi

stamp="$(date '+%Y-%m-%d-%H%M%S')"
out="$here/.cache/$stamp"
mkdir -p "$out"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
gen_prefix=()
trk_prefix=()
if [ "$pin" = 1 ]; then
  gen_prefix=(taskset -c 1)
  trk_prefix=(taskset -c 0)
fi

server_pid=
data=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
  if [ -n "$data" ]; then rm -rf "$data"; data=; fi
}
trap cleanup EXIT

load() { # label port pid
  "${gen_prefix[@]}" node "$here/load.mjs" --label "$1" --port "$2" --tracker-pid "$3" \
    --peers "$peers" --hashes "$hashes" --workers "$workers" --warmup "$warmup" --window "$window" \
    --idle "$idle" --paced-rate "$paced_rate" --paced-window "$paced_window" --out "$out/$1.json"
}

machine_load() { cut -d' ' -f1-3 /proc/loadavg; }

run_ruche() {
  data="$(mktemp -d /tmp/ruche-bench-tracker.XXXXXX)"
  local port
  port="$(free_port)"
  (
    export RUCHE_DATA_DIR="$data" RUCHE_LISTEN="127.0.0.1:$port" RUCHE_PUBLIC_URL="http://127.0.0.1:$port" RUCHE_LOG=warn
    export RUCHE_P2P_PRIVATE=false RUCHE_P2P_ANNOUNCES_MAX=4000000000
    local cap=$((peers + 1000))
    export RUCHE_P2P_MAX_CONNECTIONS=$cap RUCHE_P2P_MAX_CONNECTIONS_PER_ADDRESS=$cap
    export RUCHE_HTTP_MAX_CONNECTIONS=$cap RUCHE_HTTP_MAX_CONNECTIONS_PER_ADDRESS=$cap
    exec "${trk_prefix[@]}" "$bin" serve >"$out/ruche.out" 2>"$out/ruche.err"
  ) &
  server_pid=$!
  for _ in $(seq 1 200); do
    grep -q "running at" "$out/ruche.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/ruche.err" >&2; exit 1; }
    sleep 0.1
  done
  grep -q "running at" "$out/ruche.out" || { log "ruche serve did not start"; cat "$out/ruche.err" >&2; exit 1; }
  sleep 2 # start-up work (migrations, backfills) done before the idle figure
  log "ruche serve (pid $server_pid) on 127.0.0.1:$port, load average $(machine_load)"
  echo "$(machine_load)" >"$out/ruche.loadavg"
  load ruche "$port" "$server_pid"
  echo "$(machine_load)" >>"$out/ruche.loadavg"
  cleanup
}

run_peertube() {
  local port
  port="$(free_port)"
  "${trk_prefix[@]}" node "$here/peertube-tracker.mjs" "$port" >"$out/peertube.out" 2>"$out/peertube.err" &
  server_pid=$!
  for _ in $(seq 1 100); do
    grep -q "^listening" "$out/peertube.out" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/peertube.err" >&2; exit 1; }
    sleep 0.1
  done
  grep -q "^listening" "$out/peertube.out" || { log "the PeerTube tracker did not start"; exit 1; }
  sleep 2
  log "PeerTube tracker (pid $server_pid) on 127.0.0.1:$port, load average $(machine_load)"
  echo "$(machine_load)" >"$out/peertube.loadavg"
  load peertube "$port" "$server_pid"
  echo "$(machine_load)" >>"$out/peertube.loadavg"
  cleanup
}

IFS=, read -r -a which <<<"$order"
for t in "${which[@]}"; do
  case "$t" in
    ruche) run_ruche ;;
    peertube) run_peertube ;;
    *) log "unknown tracker $t"; exit 2 ;;
  esac
  sleep 5 # let the sockets of one run close before the next
done

stale=""
[ -n "$(find "$root/crates" -path '*/src/*' -name '*.rs' -newer "$bin" -print -quit)" ] && stale=" (OLDER than some sources in crates/)"
export BENCH_BUILD="commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- crates 2>/dev/null || echo ' with uncommitted changes in crates/'), binary built $(date -r "$bin" '+%Y-%m-%d %H:%M')$stale"
export BENCH_MACHINE="$(nproc) vCPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/^Mem:/{print $2}') GB RAM, Linux $(uname -r), Node $(node --version)"
export BENCH_PIN="$pin"
node "$here/report.mjs" "$out" | tee "$out/last-run.md"
log "results in $out"
