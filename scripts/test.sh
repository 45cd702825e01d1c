#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what the tests need (ffmpeg, PostgreSQL,
# Chromium, the browser test's npm packages), starts a private PostgreSQL on loopback, then runs
# formatting and lint checks, licence checks, every Rust test (database tests on SQLite and on
# PostgreSQL), the contract test against PeerTube's OpenAPI document, the conformance test
# against schemas made from PeerTube's own TypeScript models, the interop tests and the headless
# Chromium test.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/deps.sh test
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ruche-target}
export CARGO_TERM_COLOR=never

# A private PostgreSQL cluster for this run, stopped on exit.
pgdir=$(mktemp -d /tmp/ruche-pg.XXXXXX)
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bindir/pg_ctl" -D "$pgdir/data" stop -m immediate >/dev/null 2>&1 || true
  else "$bindir/pg_ctl" -D "$pgdir/data" stop -m immediate >/dev/null 2>&1 || true; fi
  rm -rf "$pgdir"
}
trap cleanup EXIT
export RUCHE_TEST_POSTGRES_URL=$(scripts/pg-start.sh "$pgdir" "$pgport")
echo "PostgreSQL for the tests: $RUCHE_TEST_POSTGRES_URL"

echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings
echo "== Architecture rules (ARCHITECTURE.md)"
# The web layer reaches the store only through the services of ruche-tube and ruche-pages, in
# its tests too (they go through ruche-testkit's TestApp).
if cargo tree --locked -p ruche-web -e normal,dev --depth 1 --prefix none | grep -q '^ruche-store '; then
  echo "crates/web depends on ruche-store: call a service of ruche-tube or ruche-pages instead" >&2
  exit 1
fi
# No import circles between the modules of web and tube: each is a room with one purpose.
python3 scripts/module-cycles.py crates/web crates/tube
echo "== cargo deny (licences)"
command -v cargo-deny >/dev/null || cargo install --locked cargo-deny@0.20.2
cargo deny --locked check licenses bans sources

echo "== Test tools (Python venv: OpenAPI validation, a real SMTP server)"
tests/contract/run.sh --setup-only
export RUCHE_TEST_PYTHON="$root/tests/contract/.venv/bin/python"

echo "== Rust tests"
cargo test --locked --workspace

echo "== Contract: responses against PeerTube's OpenAPI document"
RUCHE_BIN="$CARGO_TARGET_DIR/debug/ruche" tests/contract/run.sh

echo "== Conformance: answers against JSON schemas made from @peertube/peertube-types, /config keys against PeerTube 8.0.1's"
(cd tests/conformance && npm ci --no-audit --no-fund --silent)
RUCHE_BIN="$CARGO_TARGET_DIR/debug/ruche" node --test tests/conformance/

echo "== Interop: PeerTube's own CLI, a fedify actor, bittorrent-tracker clients and libtorrent against Ruche"
(cd tests/interop && npm ci --no-audit --no-fund --silent)
(cd tests/interop/fedify && npm ci --no-audit --no-fund --silent)
RUCHE_BIN="$CARGO_TARGET_DIR/debug/ruche" node --test tests/interop/

echo "== Browser test (headless Chromium)"
(cd tests/browser && npm ci --no-audit --no-fund --silent)
RUCHE_BIN="$CARGO_TARGET_DIR/debug/ruche" node --test tests/browser/
