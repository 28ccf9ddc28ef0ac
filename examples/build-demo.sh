#!/usr/bin/env bash
# Regenerates examples/demo.tar, the small real image the README's first command reads:
#   cargo run --release -- oci-archive:examples/demo.tar
# buildah builds examples/demo/Dockerfile (docker format, one layer per step) on a busybox base
# made from Debian's busybox-static, with fixed timestamps, into an OCI archive (tag "latest").
# Needs root and the Debian packages buildah and busybox-static. Storage is a temporary folder.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/demo.tar}
TS=1700000000

[ "$(id -u)" = 0 ] || { echo "build-demo.sh: needs root (buildah chroot builds)" >&2; exit 1; }
for tool in /usr/bin/buildah /bin/busybox; do
	[ -x "$tool" ] || { echo "build-demo.sh: $tool missing (apt-get install buildah busybox-static)" >&2; exit 1; }
done

WORK=$(mktemp -d)
cleanup() {
	CONTAINERS_STORAGE_CONF=$WORK/storage.conf buildah rm --all >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT
printf '[storage]\ndriver = "vfs"\nrunroot = "%s/run"\ngraphroot = "%s/storage"\n' "$WORK" "$WORK" >"$WORK/storage.conf"
bah() { env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG CONTAINERS_STORAGE_CONF="$WORK/storage.conf" BUILDAH_ISOLATION=chroot buildah "$@"; }

# The base: static busybox with its applets as links, /etc/passwd and /etc/group, /tmp.
R=$WORK/rootfs
mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/root"
cp /bin/busybox "$R/bin/busybox"
chmod 1777 "$R/tmp"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"; done
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$R/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$R/etc/group"
find "$R" -exec touch -h -d "@$TS" {} +
c=$(bah from scratch)
bah copy --quiet "$c" "$R/" / >/dev/null
bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/sh \
	--created-by "busybox-static rootfs" "$c"
bah commit --quiet --rm --timestamp "$TS" "$c" localhost/dfimage-demo/busybox:latest >/dev/null

cp -a "$HERE/demo" "$WORK/ctx"
find "$WORK/ctx" -exec touch -h -d "@$TS" {} +
bah bud --quiet --pull=never --format docker --layers --timestamp "$TS" -f "$WORK/ctx/Dockerfile" \
	-t localhost/dfimage-demo/demo:latest "$WORK/ctx" >/dev/null
rm -f "$OUT"
bah push --quiet localhost/dfimage-demo/demo:latest "oci-archive:$OUT:latest"
echo "wrote $OUT ($(stat -c %s "$OUT") bytes)"
