#!/usr/bin/env bash
# Contract test: Ruche's JSON responses against PeerTube's OpenAPI document.
#   RUCHE_BIN=/path/to/ruche tests/contract/run.sh [unittest args, e.g. -k test_get_video]
# Makes tests/contract/.venv on first use (and again when requirements.txt changes).
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$dir/.venv"

if [ -z "${RUCHE_BIN:-}" ] && [ "${1:-}" != --setup-only ]; then
  echo "run.sh: set RUCHE_BIN to the ruche binary (e.g. RUCHE_BIN=target/debug/ruche $0)" >&2
  exit 2
fi
case "${RUCHE_BIN:-}" in ""|/*) ;; *) RUCHE_BIN="$PWD/$RUCHE_BIN" ;; esac
export RUCHE_BIN="${RUCHE_BIN:-}"

if ! cmp -s "$dir/requirements.txt" "$venv/.requirements.txt" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$dir/requirements.txt"
  cp "$dir/requirements.txt" "$venv/.requirements.txt"
fi

# `run.sh --setup-only`: only make the venv (the Rust tests use its aiosmtpd).
if [ "${1:-}" = --setup-only ]; then exit 0; fi

cd "$dir"
exec "$venv/bin/python" -m unittest -v "$@" test_contract test_fuzz
