#!/usr/bin/env bash
# Vendor pinned browser libraries from the npm registry into assets/vendor/.
#
# For each pinned package this script:
#   1. runs `npm pack <name>@<version>` in a temporary directory,
#   2. checks the tarball against the integrity pinned below, against the
#      integrity the registry reports (`npm view ... dist.integrity`), against
#      what `npm pack --json` reports, and against a sha512 computed locally,
#   3. copies the selected files, the licence and any NOTICE into
#      assets/vendor/<name>/,
#   4. for bundles that inline other npm packages (BUNDLED below), checks the
#      inlined packages against the bundle's source map in the tarball, fetches
#      each of them at its exact version (checked against the registry's
#      integrity) and writes assets/vendor/<name>/THIRD-PARTY.md with their
#      licence texts; for ES modules with bare imports (IMPORTS below), checks
#      them,
#   5. writes assets/vendor/<name>/VERSION (name@version + integrity),
#   6. regenerates assets/vendor/README.md.
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
  # P2P Media Loader stays on 2.2.x: 2.3.0 and later derive different swarm
  # hashes than the player of PeerTube 8.0.1, so peers would never meet.
  "p2p-media-loader-core 2.2.2 sha512-Y12TkXugDzV3O1p7jynYL3aVrVGzEAm55PyHlUVWcJsqKMtg6Agkrnc7a0583WW/s8sAu7uhDbN5tPuuo3tFvw== dist/p2p-media-loader-core.es.min.js:p2p-media-loader-core.es.min.js"
  "p2p-media-loader-hlsjs 2.2.2 sha512-YfPu1tw5VHjUefpry9EaoZ43+n1Y4uxYlYCmesDitYMgSp825OPYcYedlQWrLDwVqJrh+WcjtCthUxFMsFC4Og== dist/p2p-media-loader-hlsjs.es.min.js:p2p-media-loader-hlsjs.es.min.js"
)

# Bundles that inline other npm packages: "map-in-tarball" followed by one
# line per inlined package, "name@version licence note". The packages named
# in the source map's `sources` must be exactly these (the script fails
# otherwise, e.g. after a bump: check the new ones' licences with
# `npm view <name>@<version> license`, they must be AGPL-3.0-compatible).
# A line starting with "+" is a package whose code comes in through another
# one's prebuilt file, so the source map does not name it; it is left out of
# that check but its licence is reproduced like the others'. The licence must
# equal the package.json's `license`. Each package is fetched at its version
# and its licence file(s) (and any NOTICE) copied into
# assets/vendor/<name>/THIRD-PARTY.md.
declare -A BUNDLED=(
  [p2p-media-loader-core]="dist/p2p-media-loader-core.es.min.js.map
    @thaunknown/simple-peer@10.0.12 MIT lite.js, WebRTC peer
    @thaunknown/simple-websocket@9.1.3 MIT
    base64-arraybuffer@1.0.2 MIT
    bittorrent-tracker@11.2.2 MIT client only (WebSocket tracker)
    debug@4.4.3 MIT browser build
    err-code@3.0.1 MIT
    events@3.3.0 MIT
    events-universal@1.0.1 Apache-2.0 re-exports events
    fast-fifo@1.3.2 MIT
    ms@2.1.3 MIT
    nano-md5@1.0.5 MIT
    once@1.4.0 ISC
    queue-microtask@1.2.3 MIT
    run-parallel@1.2.0 MIT
    streamx@2.23.0 MIT
    text-decoder@1.2.3 Apache-2.0 browser decoder
    uint8-util@2.2.5 MIT browser build
    vite-plugin-node-polyfills@0.24.0 MIT process shim (shims/process/dist, a build of process@0.11.10 browser.js)
    +process@0.11.10 MIT browser.js, inlined through the vite-plugin-node-polyfills process shim
    webrtc-polyfill@1.1.10 MIT browser.js only (uses the browser's RTCPeerConnection)
    wrappy@1.0.2 ISC"
  [p2p-media-loader-hlsjs]="dist/p2p-media-loader-hlsjs.es.min.js.map"
)

# ES modules whose bare imports the page must resolve with an import map:
# "file-in-assets/vendor/<name>/ specifier[ specifier...]". A module listed
# here must import exactly these bare specifiers (top-level `import ... from`).
declare -A IMPORTS=(
  [p2p-media-loader-core]="p2p-media-loader-core.es.min.js"
  [p2p-media-loader-hlsjs]="p2p-media-loader-hlsjs.es.min.js p2p-media-loader-core"
)

VENDOR_TOOL=vendor-assets
# shellcheck source=lib/npm-vendor.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/npm-vendor.sh"

# check_bundled SPEC SRC "MAP\nname@version licence note..." OUT: compares the
# npm packages named in the source map's `sources` with the declared list and
# writes OUT (nothing when the bundle inlines no package).
check_bundled() {
  local spec=$1 src=$2 decl=$3 out=$4 map found want
  map="$(head -n1 <<<"$decl" | xargs)"
  [[ -f "$src/$map" ]] || die "$spec: source map $map not found in the tarball"
  found="$(node -e '
    const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const seen = new Set(), odd = [];
    for (const s of m.sources) {
      const i = s.lastIndexOf("node_modules/");
      if (i < 0) {
        if (!/^(\.\.\/)+src\//.test(s) && !/__vite-browser-external$/.test(s)) odd.push(s);
        continue;
      }
      const parts = s.slice(i + 13).split("/");
      const name = parts[0].startsWith("@") ? parts[0] + "/" + parts[1] : parts[0];
      const pn = s.match(/\.pnpm\/([^/]+)\/node_modules\//);
      const prefix = name.replace("/", "+") + "@";
      if (!pn || !pn[1].startsWith(prefix)) { odd.push(s); continue; }
      seen.add(name + "@" + pn[1].slice(prefix.length).split("_")[0]);
    }
    if (odd.length) { console.error("unrecognised sources: " + odd.join(" ")); process.exit(1); }
    process.stdout.write([...seen].sort().join("\n"));
  ' "$src/$map")" || die "$spec: cannot read $map"
  want="$(tail -n +2 <<<"$decl" | awk 'NF && $1 !~ /^\+/ { print $1 }' | sort)"
  if [[ "$(sort <<<"$found")" != "$want" ]]; then
    echo "$spec: the bundle inlines:" >&2
    sort <<<"$found" | sed 's/^/    /' >&2
    die "$spec: inlined packages differ from the BUNDLED list (check their licences, then update it)"
  fi
  [[ -n "$want" ]] || { echo "    inlines no npm package"; return 0; }
  echo "    inlined packages match the BUNDLED list ($(wc -l <<<"$want"))"
  write_third_party "$spec" "$map" "$decl" "$out"
}

# licence_files DIR: the package's top-level licence and NOTICE files (LICENSE, LICENSE.md,
# LICENCE, license, LICENSE-MIT, COPYING, NOTICE..., any case), one per line, sorted.
licence_files() {
  local f base
  (
    shopt -s nocasematch
    for f in "$1"/*; do
      [[ -f "$f" ]] || continue
      base="${f##*/}"
      if [[ "$base" =~ ^(licen[cs]e|copying|notice)((\.|-)[a-z0-9.-]*)?$ ]] && [[ ! "$base" =~ \.(js|cjs|mjs|ts|json)$ ]]; then
        echo "$base"
      fi
    done
  ) | LC_ALL=C sort
}

# fenced FILE: FILE's text (CRs dropped) in a fenced block whose fence is longer than any
# run of backticks in it.
fenced() {
  node -e '
    const t = require("fs").readFileSync(process.argv[1], "utf8").replace(/\r/g, "").replace(/\n*$/, "\n");
    const runs = t.match(/`+/g) || [];
    const fence = "`".repeat(Math.max(3, ...runs.map((r) => r.length + 1)));
    process.stdout.write(fence + "text\n" + t + fence + "\n");
  ' "$1"
}

# pkg_author PACKAGE_JSON: the `author` field as "name <email> (url)".
pkg_author() {
  node -e '
    const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).author;
    const s = !a ? "" : typeof a === "string" ? a
      : [a.name, a.email && "<" + a.email + ">", a.url && "(" + a.url + ")"].filter(Boolean).join(" ");
    process.stdout.write(s);
  ' "$1"
}

# write_third_party SPEC MAP "MAP\nname@version licence note..." OUT: fetches every listed
# package at its version and writes OUT with the licence text(s) each one ships.
write_third_party() {
  local spec=$1 map=$2 decl=$3 out=$4
  local src license line pkg name version declared note via files f author lines
  local body="$WORK/third-party.body"
  : >"$body"
  mapfile -t lines < <(tail -n +2 <<<"$decl")
  for line in "${lines[@]}"; do
    [[ -n "${line// /}" ]] || continue
    read -r pkg declared note <<<"$line"
    via=""
    if [[ "$pkg" == +* ]]; then pkg="${pkg#+}"; via=1; fi
    name="${pkg%@*}"
    version="${pkg##*@}"
    [[ -n "$name" && "$name" != "$pkg" ]] || die "$spec: bad BUNDLED entry $pkg"
    fetch_package "$name" "$version" "" "$WORK/bundled/$(echo "$pkg" | tr '/@' '__')"
    [[ "$license" == "$declared" ]] \
      || die "$pkg: package.json declares licence '$license', BUNDLED says '$declared'"
    mapfile -t files < <(licence_files "$src")
    {
      echo
      echo "## $pkg ($declared)"
      if [[ -n "$via" ]]; then
        echo
        echo "Not named by the source map: $note."
      elif [[ -n "$note" ]]; then
        echo
        echo "Inlined: $note."
      fi
      if (( ${#files[@]} )); then
        for f in "${files[@]}"; do
          echo
          echo "\`$f\` from the npm tarball:"
          echo
          fenced "$src/$f"
        done
      else
        author="$(pkg_author "$src/package.json")"
        echo
        echo "The npm tarball ships no licence file; its \`package.json\` declares:"
        echo
        echo '```text'
        echo "license: $license"
        echo "author: ${author:-(none)}"
        echo '```'
      fi
    } >>"$body"
    if (( ${#files[@]} )); then
      echo "    $pkg: ${files[*]}"
    else
      echo "    $pkg: no licence file, license and author from package.json"
    fi
  done
  {
    echo "# Third-party code inlined in $spec"
    echo
    echo "The vendored bundle is the package's own build, which inlines the npm"
    echo "packages below, as named (with their versions) by the \`sources\` of"
    echo "\`$map\` in the npm tarball. The bundle itself carries no"
    echo "licence comments, so each package's licence is reproduced here: the"
    echo "licence file(s) of its npm tarball at that exact version (checked against"
    echo "the registry's integrity), or, where the package ships none, the"
    echo "\`license\` and \`author\` of its \`package.json\`. All these licences are"
    echo "compatible with AGPL-3.0. Generated by \`scripts/vendor-assets.sh\`."
    cat "$body"
  } >"$out"
}

# bundled_licences "MAP\nname@version licence note...": "MIT, ISC and Apache-2.0" style list.
bundled_licences() {
  tail -n +2 <<<"$1" | awk 'NF { print $2 }' | sort | uniq -c | sort -rn | awk '{ print $2 }' \
    | paste -sd ',' - | sed 's/,/, /g; s/, \([^,]*\)$/ and \1/'
}

# check_imports SPEC FILE "specifier...": the module's bare imports must be exactly these.
check_imports() {
  local spec=$1 file=$2 want=$3 found
  found="$(node -e '
    const t = require("fs").readFileSync(process.argv[1], "utf8");
    const re = /^\s*(?:import|export)\b[^;]*?\bfrom\s*["\x27]([^"\x27]+)["\x27]|^\s*import\s*["\x27]([^"\x27]+)["\x27]/gm;
    const out = new Set();
    for (const m of t.matchAll(re)) {
      const s = m[1] ?? m[2];
      if (!/^(\.{0,2}\/|[a-z]+:)/.test(s)) out.add(s);
    }
    if (/\bimport\s*\(/.test(t)) out.add("(dynamic import)");
    process.stdout.write([...out].sort().join(" "));
  ' "$file")"
  [[ "$found" == "$(tr ' ' '\n' <<<"$want" | sort | paste -sd ' ' -)" ]] \
    || die "$spec: $(basename "$file") imports [${found}], expected [${want}] (update IMPORTS and the page's import map)"
  echo "    bare imports of $(basename "$file"): ${found:-none}"
}

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
  # Apache-2.0 §4(d): a NOTICE shipped with the work must travel with it.
  for cand in NOTICE NOTICE.md NOTICE.txt; do
    if [[ -f "$src/$cand" ]]; then cp "$src/$cand" "$stage/NOTICE"; break; fi
  done

  IFS=',' read -r -a pairs <<<"$files"
  for pair in "${pairs[@]}"; do
    from="${pair%%:*}"
    to="${pair#*:}"
    [[ -f "$src/$from" ]] || die "$spec: $from not found in the tarball"
    cp "$src/$from" "$stage/$to"
    echo "    $from -> assets/vendor/$name/$to"
  done

  shown_license="$license"
  if [[ -v "BUNDLED[$name]" ]]; then
    check_bundled "$spec" "$src" "${BUNDLED[$name]}" "$stage/THIRD-PARTY.md"
    if [[ -f "$stage/THIRD-PARTY.md" ]]; then
      shown_license="$license; inlines $(bundled_licences "${BUNDLED[$name]}") code, see \`THIRD-PARTY.md\`"
    fi
  fi
  if [[ -v "IMPORTS[$name]" ]]; then
    read -r mod want <<<"${IMPORTS[$name]}"
    check_imports "$spec" "$stage/$mod" "$want"
  fi

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
  README_ROWS+=("| $name | $version | $shown_license | $shown |")
done

{
  cat <<'EOF'
# Vendored browser libraries

Third-party JavaScript served by Ruche under `/assets/vendor/`. Each
directory holds the unmodified file(s) from the package's npm tarball, the
package's licence (`LICENSE`, plus `NOTICE` when the package ships one), a
`VERSION` file (`name@version` and the tarball's sha512 integrity, as
published on the npm registry) and, for bundles that inline other npm
packages, `THIRD-PARTY.md` listing them with their licences.

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
- `p2p-media-loader-core` and `p2p-media-loader-hlsjs` (Novage) are the
  WebRTC segment sharing used by PeerTube's player. They are pinned to
  2.2.x on purpose: 2.3.0 and later compute different swarm hashes than
  PeerTube 8.0.1's player, so viewers on either would never find each
  other. The core bundle is self-contained (no imports; the npm packages it
  inlines are in `p2p-media-loader-core/THIRD-PARTY.md`); the hls.js
  integration keeps its single bare import, `from "p2p-media-loader-core"`,
  so a page loading it needs an import map such as
  `{"imports": {"p2p-media-loader-core":
  "/assets/vendor/p2p-media-loader-core/p2p-media-loader-core.es.min.js"}}`.
  Despite the `.min` in their names they are only partly minified (names
  mangled, whitespace kept: about 155 kB and 8 kB). Both end with a
  `sourceMappingURL` comment for a map that is not vendored.
EOF
} >"$VENDOR_DIR/README.md"

echo "wrote $VENDOR_DIR/README.md"
