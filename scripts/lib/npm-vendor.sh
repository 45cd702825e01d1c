# Shared by vendor-assets.sh and vendor-fonts.sh: fetch a pinned npm package and prove it is the
# one we pinned (registry integrity, `npm pack` integrity and our own sha512 of the tarball must
# all equal the pinned value) before anything is copied. Source it after setting VENDOR_TOOL.

die() { echo "${VENDOR_TOOL:-vendor}: $*" >&2; exit 1; }

command -v npm >/dev/null || die "npm is required"
command -v node >/dev/null || die "node is required"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# sha512 of a file in SRI form (sha512-<base64>).
sri_sha512() {
  node -e '
    const c = require("crypto"), fs = require("fs");
    const h = c.createHash("sha512").update(fs.readFileSync(process.argv[1]));
    process.stdout.write("sha512-" + h.digest("base64"));
  ' "$1"
}

# Read one field from the JSON array printed by `npm pack --json`.
pack_json_field() {
  node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const e = Array.isArray(j) ? j[0] : j;
    process.stdout.write(String(e[process.argv[2]] ?? ""));
  ' "$1" "$2"
}

# Read one string field from a package.json.
pkg_field() {
  node -e '
    const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const v = p[process.argv[2]];
    process.stdout.write(typeof v === "object" && v ? String(v.type ?? "") : String(v ?? ""));
  ' "$1" "$2"
}

# fetch_package NAME VERSION PINNED_INTEGRITY WORKDIR: packs, verifies and unpacks the package
# into WORKDIR/x/package; sets `src` to that directory and `license` to its declared licence.
# With an empty PINNED_INTEGRITY (packages we only take licence texts from), the tarball must
# match the integrity the registry reports instead.
fetch_package() {
  local name=$1 version=$2 pinned=$3 pkdir=$4
  local spec="$name@$version" registry packed filename local_sri got_name got_version
  local what=pinned
  registry="$(npm view "$spec" dist.integrity)"
  [[ -n "$registry" ]] || die "$spec: npm view returned no dist.integrity"
  if [[ -z "$pinned" ]]; then
    pinned=$registry
    what=registry
  elif [[ "$registry" != "$pinned" ]]; then
    die "$spec: registry integrity $registry does not match the pinned $pinned (if you are bumping the version, check and pin the new value)"
  fi
  mkdir -p "$pkdir"
  (cd "$pkdir" && npm pack "$spec" --json --silent >pack.json)
  packed="$(pack_json_field "$pkdir/pack.json" integrity)"
  filename="$(pack_json_field "$pkdir/pack.json" filename)"
  [[ -n "$filename" && -f "$pkdir/$filename" ]] || die "$spec: npm pack produced no tarball"
  local_sri="$(sri_sha512 "$pkdir/$filename")"
  [[ "$packed" == "$pinned" ]] || die "$spec: npm pack integrity $packed != $what $pinned"
  [[ "$local_sri" == "$pinned" ]] || die "$spec: tarball sha512 $local_sri != $what $pinned"
  if [[ $what == pinned ]]; then
    echo "    integrity ok: $pinned"
  else
    echo "    integrity ok ($spec, as the registry reports): $pinned"
  fi
  mkdir -p "$pkdir/x"
  tar -xzf "$pkdir/$filename" -C "$pkdir/x"
  src="$pkdir/x/package"
  [[ -d "$src" ]] || die "$spec: tarball has no package/ directory"
  got_name="$(pkg_field "$src/package.json" name)"
  got_version="$(pkg_field "$src/package.json" version)"
  [[ "$got_name" == "$name" ]] || die "$spec: tarball says name $got_name"
  [[ "$got_version" == "$version" ]] || die "$spec: tarball says version $got_version"
  license="$(pkg_field "$src/package.json" license)"
}
