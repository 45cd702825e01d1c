#!/usr/bin/env bash
# Quick start: builds Ruche and starts an instance on the embedded default (SQLite and a data
# folder in ./data), printing its URL and the administrator's login.
# Settings: RUCHE_LISTEN, RUCHE_PUBLIC_URL, RUCHE_DATA_DIR, RUCHE_DATABASE_URL, or --config FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/ruche-target}
cargo build --release --locked -p ruche
exec "$CARGO_TARGET_DIR/release/ruche" serve "$@"
