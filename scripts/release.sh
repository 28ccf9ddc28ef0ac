#!/usr/bin/env bash
# Builds release archives and renders the krew manifest.
#
#   scripts/release.sh [--profile release|dev] [--bin PATH] [--out DIR] [--partial] [--base-url URL] [TARGET...]
#
# --bin packs an already built host binary instead of building one (the test suite uses it).
# TARGET defaults to the host triple. Each target becomes
#   DIR/kubectl-dfimage-v<version>-<target>.tar.gz   (.zip for Windows)
# holding kubectl-dfimage(.exe), LICENSE and README.md at the top level, plus DIR/<archive>.sha256.
# Then plugin-manifest/dfimage.yaml is rendered to DIR/dfimage.yaml with the version, URIs and
# sha256 of the archives in DIR. Without --partial every platform of the template must have an
# archive (the public release); --partial drops platforms without one (local checks).
#
# Cross targets for the public release CI (each needs its rustup target and linker):
#   x86_64-unknown-linux-musl  aarch64-unknown-linux-musl  x86_64-apple-darwin
#   aarch64-apple-darwin       x86_64-pc-windows-msvc      aarch64-pc-windows-msvc
# These machines have only the host toolchain, so locally only the host target is built.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
profile=release
out="$repo/dist"
partial=0
prebuilt=""
base_url="https://github.com/kubectl-dfimage/kubectl-dfimage/releases/download"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --partial) partial=1; shift ;;
    --bin) prebuilt=$2; shift 2 ;;
    --base-url) base_url=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "release.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
host=$(rustc -vV | sed -n 's/^host: //p')
[ ${#targets[@]} -gt 0 ] || targets=("$host")

version=v$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n1)
mkdir -p "$out"
target_dir=${CARGO_TARGET_DIR:-$repo/target}

for target in "${targets[@]}"; do
  exe=kubectl-dfimage
  case "$target" in *windows*) exe=kubectl-dfimage.exe ;; esac
  dir_profile=$profile
  [ "$profile" = dev ] && dir_profile=debug
  if [ -n "$prebuilt" ] && [ "$target" = "$host" ]; then
    bin=$prebuilt
  elif [ "$target" = "$host" ]; then
    cargo build --manifest-path "$repo/Cargo.toml" --profile "$profile" --bin kubectl-dfimage
    bin="$target_dir/$dir_profile/$exe"
  else
    cargo build --manifest-path "$repo/Cargo.toml" --profile "$profile" --bin kubectl-dfimage --target "$target"
    bin="$target_dir/$target/$dir_profile/$exe"
  fi
  stage=$(mktemp -d)
  cp "$bin" "$stage/$exe"
  cp "$repo/LICENSE" "$repo/README.md" "$stage/"
  name="kubectl-dfimage-$version-$target"
  case "$target" in
    *windows*)
      (cd "$stage" && python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sys.argv[2:]: z.write(f)' "$out/$name.zip" "$exe" LICENSE README.md)
      archive="$out/$name.zip" ;;
    *)
      tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$out/$name.tar.gz" "$exe" LICENSE README.md
      archive="$out/$name.tar.gz" ;;
  esac
  rm -rf "$stage"
  (cd "$out" && sha256sum "$(basename "$archive")" >"$(basename "$archive").sha256")
  echo "built $archive" >&2
done

# os/arch -> the triples that may serve it, preferred first.
triples_for() {
  case "$1" in
    linux/amd64) echo "x86_64-unknown-linux-musl x86_64-unknown-linux-gnu" ;;
    linux/arm64) echo "aarch64-unknown-linux-musl aarch64-unknown-linux-gnu" ;;
    darwin/amd64) echo "x86_64-apple-darwin" ;;
    darwin/arm64) echo "aarch64-apple-darwin" ;;
    windows/amd64) echo "x86_64-pc-windows-msvc x86_64-pc-windows-gnu" ;;
    windows/arm64) echo "aarch64-pc-windows-msvc" ;;
  esac
}

platform_args=()
for platform in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
  found=""
  for t in $(triples_for "$platform"); do
    for ext in tar.gz zip; do
      f="$out/kubectl-dfimage-$version-$t.$ext"
      if [ -f "$f" ]; then found=$f; break 2; fi
    done
  done
  if [ -z "$found" ]; then
    if [ "$partial" = 1 ]; then continue; fi
    echo "release.sh: no archive for $platform in $out (use --partial for a local check)" >&2
    exit 1
  fi
  sha=$(sha256sum "$found" | cut -d' ' -f1)
  platform_args+=("$platform=$base_url/$version/$(basename "$found")=$sha")
done

/usr/bin/env python3 "$repo/scripts/render-manifest.py" "$repo/plugin-manifest/dfimage.yaml" "$version" \
  "${platform_args[@]}" >"$out/dfimage.yaml"
echo "rendered $out/dfimage.yaml" >&2
