#!/usr/bin/env bash
# Benchmark for issue 5 (namespace-wide recovery), side by side in one run:
#   kubectl-dfimage -n bench --all --output-dir DIR     (20 pods running 8 distinct images)
# vs each of the 8 images alone (kubectl-dfimage REPO@DIGEST), hyperfine medians of $RUNS runs.
# The pods live in the fake API server (tests/fake-cluster, started here by hand), the images
# in the e2e world's plain loopback registry. The images are first copied, digests preserved,
# under "$PREFIX/" so that the registry's access log ($WORLD_PLAIN_LOG) holds no one else's
# requests for them; one more batch run is then counted there: each distinct digest's manifest
# and config must be fetched (GET) exactly once, or the script fails after writing its figures.
# Writes its section of docs/benchmarks.md (between the bench-batch markers) and prints it.
#
#   scripts/bench-batch.sh                        # builds the release binary + the fake server
#   BIN=path/to/kubectl-dfimage FAKE=path/to/fake-apiserver RUNS=20 scripts/bench-batch.sh
#
# Targets (issue 5): batch wall time <= 1.5x the slowest single image; every count == 1.
# Needs root (the world) and a running world (tests/e2e/world.sh up); leaves the world running.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/bench-doc.sh
. "$REPO/scripts/lib/bench-doc.sh"
export WORLD_STATE=${WORLD_STATE:-$REPO/.state/world}
RUNS=${RUNS:-10}
PREFIX=${PREFIX:-batch}
DOC=$REPO/docs/benchmarks.md
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
# The 8 distinct images (distinct configs too: a shared config blob would be fetched once per
# image, legitimately), from several builders and layer counts.
TAGS=(app:buildah-docker app:buildah-oci app:buildah-layers app:classic app:buildkit
	shellform:buildkit files:buildah files:classic)
PODS=20

if [ -z "${BIN:-}" ]; then
	cargo build --release --bin kubectl-dfimage
	BIN=$TARGET_DIR/release/kubectl-dfimage
fi
if [ -z "${FAKE:-}" ]; then
	cargo build -p fake-cluster --bin fake-apiserver
	FAKE=$TARGET_DIR/debug/fake-apiserver
fi
[ -x "$BIN" ] || { echo "bench: no binary at $BIN" >&2; exit 1; }
[ -x "$FAKE" ] || { echo "bench: no fake API server at $FAKE" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine is not installed" >&2; exit 1; }

tests/e2e/world.sh status >/dev/null || { echo "bench: the e2e world is not up" >&2; exit 1; }
# shellcheck disable=SC1091
. "$WORLD_STATE/env.sh"
export DOCKER_CONFIG=$WORLD_DOCKER_CONFIG_EMPTY
unset REGISTRY_AUTH_FILE HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy KUBECONFIG

WORK=$(mktemp -d)
FAKE_PID=
cleanup() {
	if [ -n "$FAKE_PID" ]; then kill "$FAKE_PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# Our own copies of the images, same digests, under $PREFIX/.
refs=() digests=() configs=() names=()
for tag in "${TAGS[@]}"; do
	repo=${tag%%:*}
	skopeo copy --quiet --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
		"docker://$WORLD_PLAIN/$tag" "docker://$WORLD_PLAIN/$PREFIX/$tag"
	raw=$(skopeo inspect --tls-verify=false --raw "docker://$WORLD_PLAIN/$PREFIX/$tag")
	digest=sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)
	names+=("$tag")
	digests+=("$digest")
	configs+=("$(printf '%s' "$raw" | jq -r .config.digest)")
	refs+=("$WORLD_PLAIN/$PREFIX/$repo@$digest")
done

# The scenario: $PODS pods in namespace bench, pod i running image i mod 8 (tag in the spec,
# digest in status.imageID, as a kubelet reports it).
{
	echo "namespaces: [bench]"
	echo "nodes:"
	echo "  - {name: node-1, os: linux, arch: amd64}"
	echo "pods:"
	for ((i = 0; i < PODS; i++)); do
		k=$((i % ${#TAGS[@]}))
		echo "  - namespace: bench"
		echo "    name: pod-$i"
		echo "    node: node-1"
		echo "    containers:"
		echo "      - name: main"
		echo "        image: $WORLD_PLAIN/$PREFIX/${names[$k]}"
		echo "        imageID: ${refs[$k]}"
		echo "        flavor: none"
	done
} >"$WORK/scenario.yaml"
"$FAKE" --scenario "$WORK/scenario.yaml" --write-kubeconfig "$WORK/kubeconfig" >"$WORK/fake.log" 2>&1 &
FAKE_PID=$!
for _ in $(seq 100); do
	grep -q '^listening on' "$WORK/fake.log" && break
	kill -0 "$FAKE_PID" 2>/dev/null || { cat "$WORK/fake.log" >&2; exit 1; }
	sleep 0.1
done
grep -q '^listening on' "$WORK/fake.log" || { echo "bench: the fake API server did not start" >&2; exit 1; }
export KUBECONFIG=$WORK/kubeconfig

batch_cmd="$BIN -n bench --all --output-dir $WORK/out"
# One untimed run of everything, so no side pays for a cold cache; it also proves they work.
$batch_cmd >/dev/null 2>"$WORK/batch.err" || { cat "$WORK/batch.err" >&2; exit 1; }
for ref in "${refs[@]}"; do "$BIN" "$ref" >/dev/null; done

args=(-n "batch (--all)" "$batch_cmd")
for k in "${!refs[@]}"; do args+=(-n "${names[$k]}" "$BIN ${refs[$k]}"); done
hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$WORK/times.json" "${args[@]}" >&2

# median_ms INDEX: the median of hyperfine result INDEX, in milliseconds.
median_ms() { jq -r ".results[$1].median * 1000 | . * 100 | round / 100" "$WORK/times.json"; }

# The counted batch run, alone.
rm -rf "$WORK/out"
before=$(wc -l <"$WORLD_PLAIN_LOG")
$batch_cmd >/dev/null 2>&1
sleep 0.5
tail -n +"$((before + 1))" "$WORLD_PLAIN_LOG" | awk '$1 == "127.0.0.1" && $6 ~ /^"(GET|HEAD)$/' >"$WORK/access.log"

# count METHOD PATH_REGEX: requests of the counted run matching.
count() { awk -v m="\"$1" -v p="$2" '$6 == m && $7 ~ p' "$WORK/access.log" | wc -l; }

batch_ms=$(median_ms 0)
slowest=0 slowest_name=
rows="| batch: \`kubectl-dfimage -n bench --all --output-dir DIR\` ($PODS pods) | $batch_ms ms | | | |"$'\n'
counts_ok=yes
for k in "${!refs[@]}"; do
	ms=$(median_ms $((k + 1)))
	if awk -v a="$ms" -v b="$slowest" 'BEGIN {exit !(a > b)}'; then slowest=$ms slowest_name=${names[$k]}; fi
	repo=${names[$k]%%:*}
	m=$(count GET "^/v2/$PREFIX/$repo/manifests/${digests[$k]}$")
	c=$(count GET "^/v2/$PREFIX/$repo/blobs/${configs[$k]}$")
	h=$(count HEAD "^/v2/$PREFIX/$repo/")
	[ "$m" = 1 ] && [ "$c" = 1 ] || counts_ok=no
	rows+="| \`${names[$k]}\` (\`${digests[$k]:7:12}\`) | $ms ms | $m | $c | $h |"$'\n'
done
ratio=$(awk -v a="$batch_ms" -v b="$slowest" 'BEGIN {printf "%.2f", a / b}')
other=$(awk -v p="^/v2/$PREFIX/" '$7 !~ p && $7 != "/v2/"' "$WORK/access.log" | wc -l)
verdict=met
awk -v r="$ratio" 'BEGIN {exit !(r > 1.5)}' && verdict="missed (time ratio)"
[ "$counts_ok" = yes ] || verdict="missed (fetch counts)"

section=$(
	cat <<EOF
<!-- bench-batch:begin (written by scripts/bench-batch.sh; edit the script, not this) -->
## Namespace-wide recovery vs one image at a time (issue 5)

Command: \`scripts/bench-batch.sh\` (RUNS=$RUNS). A namespace of $PODS pods served by the fake API
server (\`tests/fake-cluster\`), pod *i* running image *i* mod 8 (tag in the spec, digest in
\`status.containerStatuses[].imageID\`); the 8 images are copies (digests preserved) of e2e world
images in its plain-HTTP loopback registry. Times are hyperfine medians of $RUNS runs after one
warm-up, the batch and the 8 single runs (\`kubectl-dfimage REPO@DIGEST\`, default \`--files copy\`)
in one hyperfine run. The counts come from the registry's access log for one more batch run:
GET of the image's manifest by digest, GET of its config blob, and every HEAD on its repository.

| run | median | manifest GETs | config GETs | HEADs |
|---|---|---|---|---|
${rows%$'\n'}

Batch / slowest single image (\`$slowest_name\`, $slowest ms): **$ratio** (target <= 1.5); requests to
other repositories during the counted run: $other. Targets: **$verdict**.
$(bench_footer "$BIN")
<!-- bench-batch:end -->
EOF
)

bench_write_section batch "$section" "$DOC"
if [ "$counts_ok" != yes ]; then
	echo "bench: FAILED: a manifest or config was not fetched exactly once during the batch run" >&2
	cat "$WORK/access.log" >&2
	exit 1
fi
