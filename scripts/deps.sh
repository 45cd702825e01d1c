#!/usr/bin/env bash
# Installs the system packages Ruche needs, if missing. Usage: scripts/deps.sh run|test
set -euo pipefail
want=(ffmpeg yt-dlp)
if [ "${1:-run}" = test ]; then
  want+=(postgresql chromium python3-venv python3-libtorrent)
fi
missing=()
for p in "${want[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
command -v cargo >/dev/null || { echo "Rust is required (https://rustup.rs)" >&2; exit 1; }
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "Installing ${missing[*]}…" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${1:-run}" = test ]; then
  command -v node >/dev/null || { echo "Node.js is required for the browser test (apt-get install nodejs npm)" >&2; exit 1; }
fi
