#!/usr/bin/env bash
# Vendor pinned browser libraries from the npm registry into assets/vendor/.
#
# For each pinned package this script:
#   1. runs `npm pack <name>@<version>` in a temporary directory,
#   2. checks the tarball against the integrity pinned below, against the
#      integrity the registry reports (`npm view ... dist.integrity`), against
#      what `npm pack --json` reports, and against a sha512 computed locally,
#   3. copies the selected files and the licence into assets/vendor/<name>/,
#   4. writes assets/vendor/<name>/VERSION (name@version + integrity),
#   5. regenerates assets/vendor/README.md.
#
# It is safe to re-run: each package directory is rebuilt from scratch and
# only replaced once everything verified. Requires node and npm.
#
# To bump a library: change its version, run the script once; it fails and
# prints the registry's integrity for the new version; check it, pin it
# below, and run again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR_DIR="$ROOT/assets/vendor"

# One package per line:
#   name  version  integrity  src:dest[,src:dest...]
# The licence file is found automatically (LICENSE, LICENSE.md, ...).
PACKAGES=(
  "hls.js 1.7.4 sha512-3GlxGdPvT2YHvQYOt+yOzT/DEior/qJVNIylHA77kgeoBTdQQqi70GwefNEUmHQeNGyjC8U62+bruqW/Tpm+tg== dist/hls.min.mjs:hls.min.mjs"
  "leaflet 1.9.4 sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA== dist/leaflet-src.esm.js:leaflet.esm.js,dist/leaflet.css:leaflet.css,dist/images/marker-icon.png:marker-icon.png,dist/images/marker-icon-2x.png:marker-icon-2x.png,dist/images/marker-shadow.png:marker-shadow.png"
)

VENDOR_TOOL=vendor-assets
# shellcheck source=lib/npm-vendor.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/npm-vendor.sh"

README_ROWS=()

for entry in "${PACKAGES[@]}"; do
  read -r name version pinned files <<<"$entry"
  spec="$name@$version"
  echo "==> $spec"

  # Registry's view of the integrity.
  pkdir="$WORK/$(echo "$name" | tr '/@' '__')"
  fetch_package "$name" "$version" "$pinned" "$pkdir"

  stage="$pkdir/stage"
  mkdir -p "$stage"

  lic=""
  for cand in LICENSE LICENSE.md LICENSE.txt LICENCE LICENCE.md license license.md COPYING; do
    if [[ -f "$src/$cand" ]]; then lic="$cand"; break; fi
  done
  [[ -n "$lic" ]] || die "$spec: no licence file in the tarball"
  cp "$src/$lic" "$stage/LICENSE"

  IFS=',' read -r -a pairs <<<"$files"
  for pair in "${pairs[@]}"; do
    from="${pair%%:*}"
    to="${pair#*:}"
    [[ -f "$src/$from" ]] || die "$spec: $from not found in the tarball"
    cp "$src/$from" "$stage/$to"
    echo "    $from -> assets/vendor/$name/$to"
  done

  {
    echo "$spec"
    echo "$pinned"
  } >"$stage/VERSION"

  # Replace the vendored copy only now that everything checked out.
  dest="$VENDOR_DIR/$name"
  mkdir -p "$(dirname "$dest")"
  rm -rf "$dest"
  mv "$stage" "$dest"
  chmod 0644 "$dest"/*
  chmod 0755 "$dest"

  shown="$(echo "$files" | tr ',' '\n' | sed 's/.*://' | sed 's/^/`/; s/$/`/' | paste -sd ' ' -)"
  README_ROWS+=("| $name | $version | $license | $shown |")
done

{
  cat <<'EOF'
# Vendored browser libraries

Third-party JavaScript served by Ruche under `/assets/vendor/`. Each
directory holds the unmodified file(s) from the package's npm tarball, the
package's licence (`LICENSE`) and a `VERSION` file (`name@version` and the
tarball's sha512 integrity, as published on the npm registry).

| library | version | licence | files |
| --- | --- | --- | --- |
EOF
  printf '%s\n' "${README_ROWS[@]}"
  cat <<'EOF'

Refresh with `scripts/vendor-assets.sh` (needs node and npm; versions and
integrities are pinned in the script, and the script verifies every
tarball against them). Do not edit these files by hand.

Notes:

- `hls.js/hls.min.mjs` is the full ES-module build, minified (about 600 kB,
  180 kB gzipped, less with brotli; Ruche serves it compressed). It is
  loaded on demand, `const { default: Hls } = await
  import('/assets/vendor/hls.js/hls.min.mjs')`, by `assets/js/watch.js`.
  The light build (`hls.light.min.mjs`) is smaller but has no alternate
  audio renditions, which PeerTube's videos with a separate audio stream
  need (videos of other instances play here too), nor subtitles. Its
  trailing `sourceMappingURL` comment points at a map that is not vendored;
  browsers only fetch it when developer tools are open.
EOF
} >"$VENDOR_DIR/README.md"

echo "wrote $VENDOR_DIR/README.md"
