#!/usr/bin/env bash
# Benchmark for issue 2 (Dockerfile recovery), side by side in one run against the e2e world's
# plain loopback registry:
#   kubectl-dfimage REF     vs     skopeo inspect --raw --config docker://REF
# for a small image (app:classic) and a large one (big:latest, one 256 MiB layer), median of
# $RUNS runs each (hyperfine), plus the bytes our tool made the registry send (response bodies
# summed from the registry's access log for one run). Writes its section of docs/benchmarks.md
# (between the bench-dockerfile markers) and prints it.
#
#   scripts/bench-dockerfile.sh              # builds the release binary, starts the world
#   BIN=path/to/kubectl-dfimage RUNS=20 scripts/bench-dockerfile.sh
#
# Targets (issue 2): time ratio <= 1.0 and < 64 KiB transferred, whatever the image size.
# Needs root (the world) and a release build; leaves the world running (world.sh down stops it).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/bench-doc.sh
. "$REPO/scripts/lib/bench-doc.sh"
export WORLD_STATE=${WORLD_STATE:-$REPO/.state/world}
RUNS=${RUNS:-10}
DOC=$REPO/docs/benchmarks.md

if [ -z "${BIN:-}" ]; then
	cargo build --release --bin kubectl-dfimage
	BIN=${CARGO_TARGET_DIR:-$REPO/target}/release/kubectl-dfimage
fi
[ -x "$BIN" ] || { echo "bench: no binary at $BIN" >&2; exit 1; }

if ! command -v hyperfine >/dev/null; then
	apt-get update >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends hyperfine >/dev/null
fi

tests/e2e/world.sh large
# shellcheck disable=SC1091
. "$WORLD_STATE/env.sh"
# Our tool reads credentials from here: an empty config, so nothing of the user's is used.
export DOCKER_CONFIG=$WORLD_DOCKER_CONFIG_EMPTY
unset REGISTRY_AUTH_FILE HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# bytes_for ARGS...: response body bytes the plain registry sent for one run of our tool.
bytes_for() {
	local before
	before=$(wc -l <"$WORLD_PLAIN_LOG")
	"$BIN" "$@" >/dev/null 2>&1 || { echo "bench: $BIN $* failed" >&2; exit 1; }
	sleep 0.5
	tail -n +"$((before + 1))" "$WORLD_PLAIN_LOG" |
		awk '$1 == "127.0.0.1" && $6 ~ /^"(GET|HEAD)$/ {sum += $10} END {print sum + 0}'
}

# median_ms FILE INDEX: the median of hyperfine result INDEX, in milliseconds.
median_ms() { jq -r ".results[$2].median * 1000 | . * 100 | round / 100" "$1"; }

# The machine's load when the timed runs begin, for the record.
LOAD=${LOAD:-$(cut -d" " -f1 /proc/loadavg)}
rows=""
verdict=ok
for tag in app:classic big:latest; do
	ref=$WORLD_PLAIN/$tag
	# One untimed run each, so neither side pays for a cold registry cache.
	"$BIN" "$ref" >/dev/null
	skopeo inspect --tls-verify=false --raw --config "docker://$ref" >/dev/null
	hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$WORK/$tag.json" \
		-n kubectl-dfimage "$BIN $ref" \
		-n "kubectl-dfimage --files none" "$BIN --files none $ref" \
		-n skopeo "skopeo inspect --tls-verify=false --raw --config docker://$ref" >&2
	theirs=$(median_ms "$WORK/$tag.json" 2)
	layer=$(skopeo inspect --tls-verify=false --raw "docker://$ref" | jq '[.layers[].size] | add')
	for i in 0 1; do
		ours=$(median_ms "$WORK/$tag.json" "$i")
		ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a / b}')
		if [ "$i" = 0 ]; then
			bytes=$(bytes_for "$ref")
			form="\`kubectl-dfimage REF\`"
		else
			bytes=$(bytes_for --files none "$ref")
			form="\`kubectl-dfimage --files none REF\`"
		fi
		# The targets compare like with like: skopeo fetches the manifest and config only,
		# which is what --files none does. The default also streams the COPY/ADD layers it
		# lists (issue 4), so its time and bytes grow with those layers by design: reported,
		# not judged.
		if [ "$i" = 1 ]; then
			if awk -v r="$ratio" 'BEGIN {exit !(r > 1.0)}'; then verdict="missed (time ratio)"; fi
			[ "$bytes" -lt 65536 ] || verdict="missed (bytes)"
		fi
		rows+="| \`$tag\` | $((layer / 1024)) KiB | $form | $ours ms | $theirs ms | $ratio | $bytes B |"$'\n'
	done
done

section=$(
	cat <<EOF
<!-- bench-dockerfile:begin (written by scripts/bench-dockerfile.sh; edit the script, not this) -->
## Dockerfile recovery vs \`skopeo inspect --raw --config\` (issue 2)

Command: \`scripts/bench-dockerfile.sh\` (RUNS=$RUNS). Both tools read the same image from the
e2e world's plain-HTTP loopback registry (\`docker-registry\` 2.8); times are hyperfine medians
of $RUNS runs after 2 warm-ups; "sent" is the response body bytes the registry logged for one
run of that command. \`--files none\` fetches only what skopeo fetches (manifest and config):
the targets are judged on those rows. The default also streams and lists the COPY/ADD layers
(issue 4; for \`big:latest\` that is its 256 MiB layer), so its rows grow with those layers by
design and are shown for information. Load average (1 min) when the timed runs began: $LOAD.

| image | compressed layers | command | kubectl-dfimage | skopeo | ratio | sent |
|---|---|---|---|---|---|---|
${rows%$'\n'}

Targets (the \`--files none\` rows): ratio <= 1.0 and < 64 KiB sent whatever the image size: **$verdict**.
$(bench_footer "$BIN")
<!-- bench-dockerfile:end -->
EOF
)

bench_write_section dockerfile "$section" "$DOC"
