# shellcheck shell=bash
# Real container trees for the cp tests (sourced by world.sh; not part of the image fixtures'
# content hash, so a change here never rebuilds the images).

# The Debian apt mirror this machine already uses (deb.debian.org when none is configured):
# debootstrap needs nothing else from the network.
debian_mirror() {
	local uri
	uri=$(sed -n 's/^URIs: *\([^ ]*debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
	printf '%s\n' "${WORLD_DEBIAN_MIRROR:-${uri:-http://deb.debian.org/debian}}"
}

# A Debian bookworm minbase root (debootstrap): ~6 700 entries, hundreds of symlinks, files
# only root can read (/etc/shadow, /root), setuid binaries, real tar, bash and coreutils.
build_debian_tree() {
	local r=$STATE/rootfs/debian mirror
	mirror=$(debian_mirror)
	rm -rf "$r" "$r.tmp"
	run_logged debootstrap debootstrap --variant=minbase bookworm "$r.tmp" "$mirror"
	mv "$r.tmp" "$r"
}

build_trees() {
	step debian-tree build_debian_tree
}
