#!/usr/bin/env bash
# Transcoding benchmark: Ruche's one-process cascaded ladder against one ffmpeg process per
# rendition (PeerTube's way), same encoder settings. See crates/media/examples/transcode_bench.rs.
#
#   bench/transcode/run.sh                 # 30 s 1080p30 clip, 3 alternating rounds (~5-10 min on 2 cores)
#   bench/transcode/run.sh --seconds 6 --rounds 1   # quick check
#
# Needs ffmpeg/ffprobe with libx264 and the native aac encoder. Work files go to bench/work/transcode
# (git-ignored); the generated source clip is kept there and reused.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
exec cargo run --quiet --release -p ruche-media --example transcode_bench -- --work "$root/bench/work/transcode" "$@"
