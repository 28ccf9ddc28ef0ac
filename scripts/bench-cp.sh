#!/usr/bin/env bash
# Benchmark for issue 6 (cp), side by side in ONE run against ONE fake API server
# (tests/fake-cluster's `fake-apiserver`, started here by hand; exec runs the container's real
# GNU tar chrooted into its rootfs), for a 1 GiB file and for 10 000 small files:
#   kubectl-dfimage cp POD:DIR DEST
#   kubectl cp POD:DIR DEST                                    (kubectl 1.32.4, the dispatcher)
#   kubectl exec POD -- tar cf - -C PARENT DIR | tar xf - -C DEST   (the raw pipe)
# hyperfine medians of $RUNS runs after one warm-up (each run starts from an empty DEST), and
# the peak RSS of ours (/usr/bin/time -v). Writes its section of docs/benchmarks.md (between
# the bench-cp markers) and prints it.
#
#   scripts/bench-cp.sh                      # builds the release binaries first
#   BIN=… APISERVER=… RUNS=5 scripts/bench-cp.sh
#
# Targets (issue 6): <= 0.9x kubectl cp's wall time, <= 1.1x the raw pipe, peak RSS <= 64 MiB.
# Needs root (the fake's exec chroots) and ~3 GiB of free disk under $TMPDIR.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/bench-doc.sh
. "$REPO/scripts/lib/bench-doc.sh"
RUNS=${RUNS:-5}
SMALL_FILES=${SMALL_FILES:-10000}
BIG_MIB=${BIG_MIB:-1024}
DOC=$REPO/docs/benchmarks.md
TARGET=${CARGO_TARGET_DIR:-$REPO/target}

[ "$(id -u)" = 0 ] || { echo "bench-cp: must run as root (the fake's exec chroots)" >&2; exit 1; }
if [ -z "${BIN:-}" ] || [ -z "${APISERVER:-}" ]; then
	cargo build --release --bin kubectl-dfimage --bin fake-apiserver --workspace
	BIN=${BIN:-$TARGET/release/kubectl-dfimage}
	APISERVER=${APISERVER:-$TARGET/release/fake-apiserver}
fi
[ -x "$BIN" ] || { echo "bench-cp: no binary at $BIN" >&2; exit 1; }
[ -x "$APISERVER" ] || { echo "bench-cp: no fake-apiserver at $APISERVER" >&2; exit 1; }
command -v kubectl >/dev/null || { echo "bench-cp: kubectl is missing" >&2; exit 1; }
need_apt() {
	apt-get update >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >/dev/null
}
command -v hyperfine >/dev/null || need_apt hyperfine
[ -x /usr/bin/time ] || need_apt time
command -v jq >/dev/null || need_apt jq
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy KUBECONFIG

WORK=$(mktemp -d)
SERVER_PID=
# Copies land on a tmpfs: on the ext4 disk, creating 10 000 files right after the previous
# run's 10 000 were deleted spent most of each run in ext4's inode allocator (perf:
# recently_deleted / find_inode_bit under ext4_create), whichever tool ran, adding seconds
# of noise that decided the comparison. The pod's tree stays on disk (page-cached).
OUT=$WORK/out
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	mountpoint -q "$OUT" && umount "$OUT"
	rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$OUT"
mount -t tmpfs -o "size=$((BIG_MIB * 2 + 1024))m" bench-cp-out "$OUT"

# The pod's tree: /data/big/file.bin (random bytes) and /data/small/dNN/fNNNN (0-4 KiB each).
ROOTFS=$WORK/rootfs
mkdir -p "$ROOTFS/data/big" "$ROOTFS/data/small"
head -c "$((BIG_MIB * 1024 * 1024))" /dev/urandom >"$ROOTFS/data/big/file.bin"
/usr/bin/python3 - "$ROOTFS/data/small" "$SMALL_FILES" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(6)
for i in range(n):
    d = os.path.join(root, "d%02d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        f.write(rng.randbytes(rng.randrange(0, 4097)))
EOF
small_bytes=$(du -sb "$ROOTFS/data/small" | cut -f1)

cat >"$WORK/scenario.yaml" <<EOF
nodes: [{name: node-1, os: linux, arch: amd64}]
pods:
  - name: bench
    node: node-1
    containers:
      - {name: main, image: 127.0.0.1:5000/bench:v1, rootfs: rootfs, flavor: gnu, user: "0:0", state: running}
EOF
KCFG=$WORK/kubeconfig
"$APISERVER" --scenario "$WORK/scenario.yaml" --write-kubeconfig "$KCFG" --port 0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$WORK/server.log" && break; sleep 0.1; done
grep -q 'listening on' "$WORK/server.log" || { cat "$WORK/server.log" >&2; exit 1; }
CACHE=$WORK/kube-cache
K="kubectl --kubeconfig $KCFG --cache-dir $CACHE"

# One copy by each tool, compared with the source, so the timed commands are known to work.
check() {
	local what=$1
	rm -rf "${OUT:?}"/* && mkdir -p "$OUT"
	"$BIN" --kubeconfig "$KCFG" -q cp "bench:/data/$what" "$OUT/ours"
	$K cp "bench:/data/$what" "$OUT/kubectl" >/dev/null
	mkdir -p "$OUT/pipe" && $K exec bench -- tar cf - -C /data "$what" | tar xf - -C "$OUT/pipe"
	for got in "$OUT/ours" "$OUT/kubectl" "$OUT/pipe/$what"; do
		diff -r "$ROOTFS/data/$what" "$got" >/dev/null || { echo "bench-cp: $got differs from the source" >&2; exit 1; }
	done
	rm -rf "${OUT:?}"/*
}

# median_s FILE INDEX: median of hyperfine result INDEX, in seconds.
median_s() { jq -r ".results[$2].median | . * 1000 | round / 1000" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# peak_mib WHAT: peak RSS of one run of ours, in MiB.
peak_mib() {
	rm -rf "${OUT:?}"/* && mkdir -p "$OUT"
	/usr/bin/time -v -o "$WORK/time.txt" "$BIN" --kubeconfig "$KCFG" -q cp "bench:/data/$1" "$OUT/ours"
	rm -rf "${OUT:?}"/*
	awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$WORK/time.txt"
}

rows=""
misses=""
# The machine's load when the timed runs begin, for the record.
LOAD=${LOAD:-$(cut -d" " -f1 /proc/loadavg)}
for what in big small; do
	check "$what"
	prep="rm -rf $OUT/* && mkdir -p $OUT/pipe"
	hyperfine --warmup 1 --runs "$RUNS" --prepare "$prep" --export-json "$WORK/$what.json" \
		-n "kubectl-dfimage cp" "$BIN --kubeconfig $KCFG -q cp bench:/data/$what $OUT/ours" \
		-n "kubectl cp" "$K cp bench:/data/$what $OUT/kubectl >/dev/null" \
		-n "kubectl exec tar | tar x" "$K exec bench -- tar cf - -C /data $what | tar xf - -C $OUT/pipe" >&2
	ours=$(median_s "$WORK/$what.json" 0)
	kube=$(median_s "$WORK/$what.json" 1)
	pipe=$(median_s "$WORK/$what.json" 2)
	r_kube=$(ratio "$ours" "$kube")
	r_pipe=$(ratio "$ours" "$pipe")
	rss=$(peak_mib "$what")
	if [ "$what" = big ]; then
		label="1 file, $BIG_MIB MiB"
	else
		label="$SMALL_FILES files in 100 dirs, $((small_bytes / 1048576)) MiB"
	fi
	awk -v r="$r_kube" 'BEGIN {exit !(r > 0.9)}' && misses+=", $label: ${r_kube}x kubectl cp"
	awk -v r="$r_pipe" 'BEGIN {exit !(r > 1.1)}' && misses+=", $label: ${r_pipe}x the pipe"
	awk -v m="$rss" 'BEGIN {exit !(m > 64)}' && misses+=", $label: $rss MiB"
	rows+="| $label | $ours s | $kube s | $pipe s | $r_kube | $r_pipe | $rss MiB |"$'\n'
done

verdict=met
profile_of() { case "$1" in */release/*) echo "release profile" ;; *) echo "NOT the release profile: $1" ;; esac; }
[ -n "$misses" ] && verdict="missed (${misses#, })"
section=$(
	cat <<EOF
<!-- bench-cp:begin (written by scripts/bench-cp.sh; edit the script, not this) -->
## \`cp\` vs \`kubectl cp\` vs the raw \`kubectl exec … tar | tar x\` pipe (issue 6)

Command: \`scripts/bench-cp.sh\` (RUNS=$RUNS). One \`fake-apiserver\` ($(profile_of "$APISERVER"))
serves one pod whose exec runs the host's GNU tar chrooted into its rootfs; all three copy
the same directory out of it over WebSocket exec (v5) on loopback, into a folder on a tmpfs
emptied before each run (on the ext4 disk, ext4's inode allocator after each emptying decided
the small-file figures). Times are hyperfine medians of $RUNS runs after one warm-up; "peak
RSS" is \`/usr/bin/time -v\`'s maximum resident set of one run of ours. Each tool's result
was first compared with the source (\`diff -r\`). kubectl is the dispatcher's built-in
1.32.4. Load average (1 min) when the timed runs began: $LOAD.

| source | kubectl-dfimage cp | kubectl cp | raw pipe | vs kubectl cp | vs pipe | peak RSS (ours) |
|---|---|---|---|---|---|---|
${rows%$'\n'}

Targets: <= 0.9x kubectl cp, <= 1.1x the raw pipe, peak RSS <= 64 MiB: **$verdict**.
$(bench_footer "$BIN")
<!-- bench-cp:end -->
EOF
)

bench_write_section cp "$section" "$DOC" >/dev/null
# The cp line of "Not yet measured" is answered by the section above.
awk '
	/^- `cp` vs `kubectl cp` vs the raw/ {drop = 1; next}
	drop && /^  / {next}
	{drop = 0; print}' "$DOC" >"$DOC.tmp"
mv "$DOC.tmp" "$DOC"
printf '%s\n' "$section"
