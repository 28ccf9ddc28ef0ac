#!/usr/bin/env bash
# Benchmark for issue 5 (namespace-wide recovery), side by side in one run:
#   kubectl-dfimage -n bench --all --output-dir DIR     (20 pods running 8 distinct images)
# vs each of the 8 images alone (kubectl-dfimage REPO@DIGEST), hyperfine medians of $RUNS runs,
# twice: on loopback, and with the registry and the API server $RTT_MS ms (round trip) away
# behind scripts/lib/delay-proxy.py (this kernel has no netem).
# The pods live in the fake API server (tests/fake-cluster, started here by hand), the images
# in the e2e world's plain loopback registry. The images are first copied, digests preserved,
# under "$PREFIX/" so that the registry's access log ($WORLD_PLAIN_LOG) holds no one else's
# requests for them; one more batch run is then counted there: each distinct digest's manifest
# and config must be fetched (GET) exactly once, or the script fails after writing its figures.
# Writes its section of docs/benchmarks.md (between the bench-batch markers) and prints it.
#
#   scripts/bench-batch.sh                 # builds the release binary + the release fake server
#   BIN=path/to/kubectl-dfimage FAKE=path/to/fake-apiserver RUNS=20 RTT_MS=20 scripts/bench-batch.sh
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
RTT_MS=${RTT_MS:-10}
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
	cargo build --release -p fake-cluster --bin fake-apiserver
	FAKE=$TARGET_DIR/release/fake-apiserver
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
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT

# wait_listening LOG PID WHAT: waits for "listening on" in LOG.
wait_listening() {
	for _ in $(seq 100); do
		grep -q '^listening on' "$1" && return 0
		kill -0 "$2" 2>/dev/null || { cat "$1" >&2; exit 1; }
		sleep 0.1
	done
	echo "bench: $3 did not start" >&2
	exit 1
}

# free_port: a TCP port nobody listens on now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Our own copies of the images, same digests, under $PREFIX/.
digests=() configs=() names=() paths=()
for tag in "${TAGS[@]}"; do
	repo=${tag%%:*}
	skopeo copy --quiet --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
		"docker://$WORLD_PLAIN/$tag" "docker://$WORLD_PLAIN/$PREFIX/$tag"
	raw=$(skopeo inspect --tls-verify=false --raw "docker://$WORLD_PLAIN/$PREFIX/$tag")
	digest=sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)
	names+=("$tag")
	digests+=("$digest")
	configs+=("$(printf '%s' "$raw" | jq -r .config.digest)")
	paths+=("$PREFIX/$repo@$digest")
done

# measure MODE REGISTRY: one hyperfine run of the batch and the 8 single images, the
# registry reached at REGISTRY (host:port), the fake API server's address (loopback, or a
# delay proxy in front of it) written into its kubeconfig; times land in $WORK/MODE.json.
# The scenario: $PODS pods in namespace bench, pod i running image i mod 8 (tag in the spec,
# digest in status.imageID, as a kubelet reports it).
measure() {
	local mode=$1 registry=$2 api_delay=$3 dir=$WORK/$1
	mkdir -p "$dir"
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
			echo "        image: $registry/$PREFIX/${names[$k]}"
			echo "        imageID: $registry/${paths[$k]}"
			echo "        flavor: none"
		done
	} >"$dir/scenario.yaml"
	"$FAKE" --scenario "$dir/scenario.yaml" --write-kubeconfig "$dir/kubeconfig" >"$dir/fake.log" 2>&1 &
	PIDS+=($!)
	wait_listening "$dir/fake.log" $! "the fake API server"
	if [ "$api_delay" != 0 ]; then
		local api port
		api=$(sed -n 's|^ *server: https://||p' "$dir/kubeconfig")
		port=$(free_port)
		python3 "$REPO/scripts/lib/delay-proxy.py" "$port" "$api" "$api_delay" >"$dir/api-proxy.log" 2>&1 &
		PIDS+=($!)
		wait_listening "$dir/api-proxy.log" $! "the API server's delay proxy"
		sed -i "s|server: https://$api|server: https://127.0.0.1:$port|" "$dir/kubeconfig"
	fi
	export KUBECONFIG=$dir/kubeconfig
	batch_cmd="$BIN -n bench --all --output-dir $dir/out"
	# One untimed run of everything, so no side pays for a cold cache; it also proves they work.
	$batch_cmd >/dev/null 2>"$dir/batch.err" || { cat "$dir/batch.err" >&2; exit 1; }
	for p in "${paths[@]}"; do "$BIN" "$registry/$p" >/dev/null; done
	# Each image alone, two ways: from the cluster (pod-K runs image K, as a user would
	# recover one pod's image), and straight from the registry by digest (no cluster reads).
	local args=(-n "batch (--all)" "$batch_cmd")
	for k in "${!paths[@]}"; do args+=(-n "pod/pod-$k" "$BIN -n bench pod/pod-$k"); done
	for k in "${!paths[@]}"; do args+=(-n "${names[$k]}" "$BIN $registry/${paths[$k]}"); done
	hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$WORK/$mode.json" "${args[@]}" >&2
}

# The registry and the API server RTT_MS away: a delay proxy in front of each.
reg_port=$(free_port)
python3 "$REPO/scripts/lib/delay-proxy.py" "$reg_port" "$WORLD_PLAIN" "$((RTT_MS / 2))" >"$WORK/reg-proxy.log" 2>&1 &
PIDS+=($!)
wait_listening "$WORK/reg-proxy.log" $! "the registry's delay proxy"

measure loopback "$WORLD_PLAIN" 0
measure remote "127.0.0.1:$reg_port" "$((RTT_MS / 2))"

# median_ms MODE INDEX: the median of hyperfine result INDEX, in milliseconds.
median_ms() { jq -r ".results[$2].median * 1000 | . * 100 | round / 100" "$WORK/$1.json"; }

# The counted batch run, alone, on loopback.
export KUBECONFIG=$WORK/loopback/kubeconfig
rm -rf "$WORK/loopback/out"
before=$(wc -l <"$WORLD_PLAIN_LOG")
"$BIN" -n bench --all --output-dir "$WORK/loopback/out" >/dev/null 2>&1
sleep 0.5
tail -n +"$((before + 1))" "$WORLD_PLAIN_LOG" | awk '$1 == "127.0.0.1" && $6 ~ /^"(GET|HEAD)$/' >"$WORK/access.log"

# count METHOD PATH_REGEX: requests of the counted run matching.
count() { awk -v m="\"$1" -v p="$2" '$6 == m && $7 ~ p' "$WORK/access.log" | wc -l; }

# ratio MODE OFFSET: "RATIO SLOWEST_MS SLOWEST_NAME" for one mode, the single runs being
# hyperfine results OFFSET+1..OFFSET+8 (0: pod runs, 8: by-digest runs).
ratio() {
	local slowest=0 name='' ms k
	for k in "${!paths[@]}"; do
		ms=$(median_ms "$1" $((k + 1 + $2)))
		if awk -v a="$ms" -v b="$slowest" 'BEGIN {exit !(a > b)}'; then slowest=$ms name=${names[$k]}; fi
	done
	awk -v a="$(median_ms "$1" 0)" -v b="$slowest" -v n="$name" 'BEGIN {printf "%.2f %s %s", a / b, b, n}'
}
read -r ratio_loop slow_loop name_loop <<<"$(ratio loopback 0)"
read -r ratio_remote slow_remote name_remote <<<"$(ratio remote 0)"
read -r dratio_loop _ _ <<<"$(ratio loopback 8)"
read -r dratio_remote _ _ <<<"$(ratio remote 8)"

rows="| batch: \`-n bench --all --output-dir DIR\` ($PODS pods) | $(median_ms loopback 0) ms | $(median_ms remote 0) ms | | | | | |"$'\n'
counts_ok=yes
for k in "${!paths[@]}"; do
	repo=${names[$k]%%:*}
	m=$(count GET "^/v2/$PREFIX/$repo/manifests/${digests[$k]}$")
	c=$(count GET "^/v2/$PREFIX/$repo/blobs/${configs[$k]}$")
	h=$(count HEAD "^/v2/$PREFIX/$repo/")
	[ "$m" = 1 ] && [ "$c" = 1 ] || counts_ok=no
	rows+="| \`pod/pod-$k\`: \`${names[$k]}\` (\`${digests[$k]:7:12}\`) | $(median_ms loopback $((k + 1))) ms | $(median_ms remote $((k + 1))) ms | $(median_ms loopback $((k + 9))) ms | $(median_ms remote $((k + 9))) ms | $m | $c | $h |"$'\n'
done
other=$(awk -v p="^/v2/$PREFIX/" '$7 !~ p && $7 != "/v2/"' "$WORK/access.log" | wc -l)
probes=$(awk '$7 == "/v2/"' "$WORK/access.log" | wc -l)
requests=$(wc -l <"$WORK/access.log")
verdict=met
awk -v r="$ratio_remote" 'BEGIN {exit !(r > 1.5)}' && verdict="missed (time ratio)"
[ "$counts_ok" = yes ] || verdict="missed (fetch counts)"

section=$(
	cat <<EOF
<!-- bench-batch:begin (written by scripts/bench-batch.sh; edit the script, not this) -->
## Namespace-wide recovery vs one image at a time (issue 5)

Command: \`scripts/bench-batch.sh\` (RUNS=$RUNS, RTT_MS=$RTT_MS). A namespace of $PODS pods served
by the fake API server (\`tests/fake-cluster\`, release build), pod *i* running image *i* mod 8
(tag in the spec, digest in \`status.containerStatuses[].imageID\`); the 8 images are copies
(digests preserved) of e2e world images in its plain-HTTP \`docker-registry\`. Each image alone
is timed two ways: \`kubectl-dfimage -n bench pod/pod-K\` (pod *K* runs image *K*: what a user
runs for one pod, cluster reads included) and \`kubectl-dfimage REPO@DIGEST\` (registry only).
Times are hyperfine medians of $RUNS runs after one warm-up, all 17 commands in one hyperfine
run per column pair: *loopback* reaches both servers directly; *$RTT_MS ms away* puts a delay
proxy (\`scripts/lib/delay-proxy.py\`, $((RTT_MS / 2)) ms each way, bandwidth not limited) in
front of the registry and of the API server, as when they are across a network. The counts
come from the registry's access log for one more batch run on loopback: GET of the image's
manifest by digest, GET of its config blob, and every HEAD on its repository.

| run | pod run, loopback | pod run, $RTT_MS ms away | by digest, loopback | by digest, $RTT_MS ms away | manifest GETs | config GETs | HEADs |
|---|---|---|---|---|---|---|---|
${rows%$'\n'}

Batch / slowest single pod run: **$ratio_remote** with the servers $RTT_MS ms away (\`$name_remote\`,
$slow_remote ms; target <= 1.5), **$ratio_loop** on loopback (\`$name_loop\`, $slow_loop ms).
Against the slowest by-digest run (no cluster reads at all): $dratio_remote ($RTT_MS ms away),
$dratio_loop (loopback). The counted run made $requests requests ($probes of them \`GET /v2/\`, which
oci-client sends before each request to a registry that does not challenge); requests to
other repositories: $other. Targets (judged $RTT_MS ms away): **$verdict**.
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
