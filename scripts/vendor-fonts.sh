#!/usr/bin/env bash
# Vendor the web fonts of the Pages font sets into assets/fonts/.
#
# Pages sites load no third-party fonts (privacy: a font fetched from a CDN
# tells that CDN who visits the site), so every font is served by Ruche
# itself from /assets/fonts/. This script brings them from the pinned
# @fontsource/* packages on the npm registry.
#
# For each pinned family this script:
#   1. checks the integrity the registry reports (`npm view ... dist.integrity`)
#      against the sha512 pinned below,
#   2. runs `npm pack @fontsource/<family>@<version>` in a temporary directory
#      and checks the tarball against the pinned integrity, both as reported
#      by `npm pack --json` and as computed locally,
#   3. checks that package.json says OFL-1.1 and that the LICENSE file is the
#      SIL Open Font License,
#   4. copies only the latin-subset WOFF2 files of the weights the font sets
#      use (see crates/pages/src/theme.rs) and the licence into
#      assets/fonts/<family>/, plus a VERSION file (name@version, integrity),
#   5. regenerates assets/fonts/README.md.
#
# It is safe to re-run: each family directory is rebuilt from scratch and
# only replaced once everything verified. Requires node and npm.
#
# To add a weight: add it to the family's list and run the script. To bump a
# family: change its version, run the script once; it fails and prints the
# registry's integrity for the new version; check it, pin it, run again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FONTS_DIR="$ROOT/assets/fonts"

# One family per line:
#   family-id  version  integrity  styles (weight-style, comma-separated)
# family-id is the @fontsource package name and the directory name.
FAMILIES=(
  "atkinson-hyperlegible 5.3.0 sha512-Sp8Ve8+rQmENY2Lv02VH7sLpntzTTvnncnJMTbRE7DX6TLxGraN4ykZfzaUWIoCFmaomwkvNiqmlPkrKBuDoSA== 400-normal,400-italic,700-normal"
  "bitter 5.3.0 sha512-RYfrDnaja7v6FO8AwknA5aw/BuVgLBJvwLIShkS42XUIxMbvi/yp47Ax/Xnn9OTVIGFiTXCbVsH0O9HhTTDtqA== 700-normal"
  "fira-sans 5.3.0 sha512-z1SKSG7eRhm3srlb7rQ3j77QP4TP7OFxCZ4wUWhCdt+3hOF9K0AyvybpAsz6+JWNcCVV7AqC7dbOT3e67P2r5A== 400-normal,400-italic,600-normal,700-normal"
  "inter 5.3.0 sha512-RofMylZmjlJEfELXeNHFWBRcSs75rGU/6bV2S2jfnvv/3rPXPGe0LgUJTklcHZ9lM4OZmAVFhcJPnACfb91A3g== 400-normal,400-italic,700-normal"
  "libre-baskerville 5.3.0 sha512-IA6OLq36/JWMX70Fha15sri2qWsijFh7hgdDXCRZHjKUHtWarLQoiGilvm7iMqm7HiYFEv9acF3+IuRHO9kUiA== 700-normal"
  "lora 5.3.0 sha512-OK1g1z01rHVPqO5aw/FOIoDqc46KKYZdgL3NOLkxLWDk6QhDHhdr/h2BV1cke6gTvR1tzpDfdKyUkGsC+sQLeQ== 400-normal,400-italic,700-normal"
  "montserrat 5.3.0 sha512-iQPDtZOnmM5ih4JBGaMSXisRap0ixb9bAUw2hDtY7EjVfaqiiNlKtVuJl9XclxUwtwMMHNcWXfQR6zI9x05+Tg== 700-normal"
  "nunito 5.3.0 sha512-vw9TaTQJ/zpEpKrsODuPmOvaVjXgdda6B+xXA4YqjrdeJ62MLgVoDerdRXFQHyBnSCt2yQ2nHKCHPP/Pv7Xq4Q== 400-normal,400-italic,700-normal,800-normal"
  "playfair-display 5.3.0 sha512-uJSABalvdWc10fEPppQjQocamT21LEyRfzzWfRfqbkPz+sRv+kKpYDKyluBUskvJREkJTos9epj1WjQROGu99Q== 700-normal"
  "raleway 5.3.0 sha512-BTWr1I14Ji0DWpS/KCIq/CXcvxXWgMO73gynWpbYv7A5wlPhLevozgRmdPJvZmUf0fhH+Lju+F4nigJ6Ums24A== 600-normal"
  "source-sans-3 5.3.0 sha512-VrWixSgF93kOVSEkwjs9ImnAbxrBew4PgcnaJYEitG9TyJSwxjFUNJIgzB1XFP/acyAWcTDg7+sWe7JI8LTB9w== 400-normal,400-italic,700-normal"
  "work-sans 5.3.0 sha512-3cKV28+bEiLGdyOl0VgEGCFWE1XdZJu/K+nH4Jt76XC3T//XrRtm2EF7jA61GSMIy8sYp6ZFTE01nD3lLaBV9A== 400-normal,400-italic,700-normal"
)

VENDOR_TOOL=vendor-fonts
# shellcheck source=lib/npm-vendor.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/npm-vendor.sh"

README_ROWS=()
TOTAL=0

for entry in "${FAMILIES[@]}"; do
  read -r family version pinned styles <<<"$entry"
  name="@fontsource/$family"
  spec="$name@$version"
  echo "==> $spec"

  pkdir="$WORK/$family"
  fetch_package "$name" "$version" "$pinned" "$pkdir"
  [[ "$license" == "OFL-1.1" ]] || die "$spec: licence is $license, not OFL-1.1"
  [[ -f "$src/LICENSE" ]] || die "$spec: no LICENSE file in the tarball"
  grep -qi "SIL Open Font License" "$src/LICENSE" || die "$spec: LICENSE is not the SIL Open Font License"

  stage="$pkdir/stage"
  mkdir -p "$stage"
  cp "$src/LICENSE" "$stage/LICENSE"

  shown=()
  IFS=',' read -r -a wanted <<<"$styles"
  for style in "${wanted[@]}"; do
    file="$family-latin-$style.woff2"
    [[ -f "$src/files/$file" ]] || die "$spec: files/$file not found in the tarball"
    magic="$(head -c 4 "$src/files/$file")"
    [[ "$magic" == "wOF2" ]] || die "$spec: files/$file is not WOFF2"
    cp "$src/files/$file" "$stage/$file"
    size="$(wc -c <"$stage/$file")"
    TOTAL=$((TOTAL + size))
    shown+=("\`$file\` ($((size / 1024)) KiB)")
    echo "    files/$file -> assets/fonts/$family/$file"
  done

  {
    echo "$spec"
    echo "$pinned"
  } >"$stage/VERSION"

  # Replace the vendored copy only now that everything checked out.
  dest="$FONTS_DIR/$family"
  mkdir -p "$FONTS_DIR"
  rm -rf "$dest"
  mv "$stage" "$dest"
  chmod 0644 "$dest"/*
  chmod 0755 "$dest"

  README_ROWS+=("| \`$family/\` | \`$spec\` | $license | $(IFS=' '; echo "${shown[*]}") |")
done

# Drop directories of families that are no longer pinned.
for dir in "$FONTS_DIR"/*/; do
  [[ -d "$dir" ]] || continue
  base="$(basename "$dir")"
  keep=0
  for entry in "${FAMILIES[@]}"; do
    read -r family _ <<<"$entry"
    [[ "$family" == "$base" ]] && keep=1
  done
  if [[ "$keep" == 0 ]]; then
    echo "    removing assets/fonts/$base/ (no longer pinned)"
    rm -rf "$dir"
  fi
done

{
  cat <<'EOF'
# Vendored fonts

Web fonts of the Pages font sets (`crates/pages/src/theme.rs`, `FONT_SETS`),
served by Ruche under `/assets/fonts/` so that a site makes no request to a
third-party font service. Each directory holds unmodified files from the
family's `@fontsource/*` npm tarball: only the **latin** subset (which covers
French, English and the other Western European languages: U+0000-00FF, Œ/œ,
€, typographic punctuation) in **WOFF2**, only the weights the font sets use,
the family's licence (`LICENSE`, SIL Open Font License 1.1) and a `VERSION`
file (`name@version` and the tarball's sha512 integrity, as published on the
npm registry).

| family | package | licence | files |
| --- | --- | --- | --- |
EOF
  printf '%s\n' "${README_ROWS[@]}"
  cat <<EOF

Total: $TOTAL bytes ($((TOTAL / 1024)) KiB) of WOFF2. A visitor downloads only
the faces of the site's font set, and only those its page actually uses.

Refresh with \`scripts/vendor-fonts.sh\` (needs node and npm; versions and
integrities are pinned in the script, and the script verifies every tarball
against them, checks the OFL licence and the WOFF2 signature). Do not edit
these files by hand. The OFL allows bundling and redistributing the fonts
with software as long as each family keeps its licence beside it and the
fonts are not sold by themselves.
EOF
} >"$FONTS_DIR/README.md"

echo "wrote $FONTS_DIR/README.md ($TOTAL bytes of fonts)"
