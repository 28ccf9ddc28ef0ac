#!/usr/bin/env bash
# Benchmark for issue 4 (streamed layer listings), side by side in one run on the same gzip
# layer blob (>= 200 MB) served by the e2e world's plain loopback registry:
#   kubectl-dfimage --files all REF       vs     curl -s BLOB_URL | gzip -dc | tar -t >/dev/null
# (the pipeline is the throughput limit on this machine; it checks no digest). Reports MB/s of
# compressed bytes for both (hyperfine medians of $RUNS runs), their ratio, and our peak RSS
# (/usr/bin/time -v). Writes its section of docs/benchmarks.md (between the bench-layers
# markers) and prints it.
#
#   scripts/bench-layers.sh          # builds the release binary; world.sh large builds big:latest
#   BIN=path/to/kubectl-dfimage BIG_REF=HOST:PORT/repo:tag RUNS=10 scripts/bench-layers.sh
#
# The image's largest layer is the one measured. `--files all` also lists the image's other
# (small) layers: their bytes count in our throughput, and our time includes start-up and the
# manifest and config fetches, which the pipeline does not do.
# Targets (issue 4): >= 0.9x the pipeline's throughput, peak RSS <= 64 MiB.
# Needs root (the world); leaves the world running.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/bench-doc.sh
. "$REPO/scripts/lib/bench-doc.sh"
export WORLD_STATE=${WORLD_STATE:-$REPO/.state/world}
RUNS=${RUNS:-5}
DOC=$REPO/docs/benchmarks.md

if [ -z "${BIN:-}" ]; then
	cargo build --release --bin kubectl-dfimage
	BIN=${CARGO_TARGET_DIR:-$REPO/target}/release/kubectl-dfimage
fi
[ -x "$BIN" ] || { echo "bench: no binary at $BIN" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (package time) is not installed" >&2; exit 1; }

if [ -z "${BIG_REF:-}" ]; then
	tests/e2e/world.sh large
fi
# shellcheck disable=SC1091
. "$WORLD_STATE/env.sh"
BIG_REF=${BIG_REF:-${WORLD_REF_BIG_LATEST:?world.sh large did not record big:latest}}
export DOCKER_CONFIG=$WORLD_DOCKER_CONFIG_EMPTY
unset REGISTRY_AUTH_FILE HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

registry=${BIG_REF%%/*}
path=${BIG_REF#*/}
repo=${path%:*}
manifest=$(skopeo inspect --tls-verify=false --raw "docker://$BIG_REF")
layer=$(printf '%s' "$manifest" | jq -r '.layers | max_by(.size) | .digest')
size=$(printf '%s' "$manifest" | jq -r '.layers | max_by(.size) | .size')
media=$(printf '%s' "$manifest" | jq -r '.layers | max_by(.size) | .mediaType')
all=$(printf '%s' "$manifest" | jq '[.layers[].size] | add')
count=$(printf '%s' "$manifest" | jq '.layers | length')
[ "$size" -ge 200000000 ] || { echo "bench: the largest layer of $BIG_REF has only $size bytes" >&2; exit 1; }
case $media in *gzip*) ;; *) echo "bench: the largest layer is $media, not gzip" >&2; exit 1 ;; esac
url="http://$registry/v2/$repo/blobs/$layer"
pipeline="curl -sf $url | gzip -dc | tar -t >/dev/null"
ours=("$BIN" --files all "$BIG_REF")

# One untimed run each: both work, and the registry's page cache is warm for both.
"${ours[@]}" >"$WORK/out.txt"
grep -q "^#   " "$WORK/out.txt" || { echo "bench: no file listing in the output" >&2; exit 1; }
bash -c "set -o pipefail; $pipeline"

hyperfine --shell bash --warmup 1 --runs "$RUNS" --export-json "$WORK/times.json" \
	-n kubectl-dfimage "${ours[*]} >/dev/null" -n pipeline "set -o pipefail; $pipeline" >&2

# median_s INDEX: the median of hyperfine result INDEX, in seconds.
median_s() { jq -r ".results[$1].median" "$WORK/times.json"; }
ours_s=$(median_s 0)
theirs_s=$(median_s 1)
ours_mbs=$(awk -v b="$all" -v t="$ours_s" 'BEGIN {printf "%.1f", b / 1e6 / t}')
theirs_mbs=$(awk -v b="$size" -v t="$theirs_s" 'BEGIN {printf "%.1f", b / 1e6 / t}')
ratio=$(awk -v a="$ours_mbs" -v b="$theirs_mbs" 'BEGIN {printf "%.2f", a / b}')

/usr/bin/time -v "${ours[@]}" >/dev/null 2>"$WORK/time.txt"
rss_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
rss_mib=$(awk -v k="$rss_kib" 'BEGIN {printf "%.1f", k / 1024}')

verdict=met
awk -v r="$ratio" 'BEGIN {exit !(r < 0.9)}' && verdict="missed (throughput)"
[ "$rss_kib" -le 65536 ] || verdict="missed (RSS)"

fmt_ms() { awk -v s="$1" 'BEGIN {printf "%.0f ms", s * 1000}'; }
section=$(
	cat <<EOF
<!-- bench-layers:begin (written by scripts/bench-layers.sh; edit the script, not this) -->
## Layer listing vs \`curl | gzip -dc | tar -t\` (issue 4)

Command: \`scripts/bench-layers.sh\` (RUNS=$RUNS). Image \`${BIG_REF#*/}\` ($count layers, $((all / 1048576)) MiB
compressed) in the e2e world's plain-HTTP loopback registry; its largest layer is a
$((size / 1048576)) MiB gzip blob holding one file of random bytes. Times are hyperfine medians of $RUNS runs
after one warm-up, both commands in one hyperfine run; throughput is compressed bytes / time.
Ours streams every layer (\`--files all\`: digest check, gunzip, tar headers) and includes
start-up, manifest and config; the pipeline fetches the one blob and checks no digest. Peak RSS
from \`/usr/bin/time -v\` for one more run of ours.

| command | compressed bytes | median | throughput |
|---|---|---|---|
| \`kubectl-dfimage --files all REF\` | $all B | $(fmt_ms "$ours_s") | $ours_mbs MB/s |
| \`curl -s BLOB_URL \| gzip -dc \| tar -t >/dev/null\` | $size B | $(fmt_ms "$theirs_s") | $theirs_mbs MB/s |

Ratio (ours / pipeline): **$ratio** (target >= 0.9); our peak RSS: **$rss_mib MiB** (target <= 64 MiB).
Targets: **$verdict**.
$(bench_footer "$BIN")
<!-- bench-layers:end -->
EOF
)

bench_write_section layers "$section" "$DOC"
