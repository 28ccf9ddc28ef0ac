# shellcheck shell=bash
# Shared by the scripts/bench-*.sh benchmarks (source it): the machine/commit footer of a
# section and writing a section into docs/benchmarks.md between its markers.

# bench_footer BIN: the two closing lines of a section (machine; date, commit, binary and its
# build profile, judged from its path).
bench_footer() {
	local bin=$1 commit dirty cpu mem profile
	commit=$(git rev-parse --short HEAD)
	# shellcheck disable=SC2015  # echo cannot fail
	dirty=$(git status --porcelain --untracked-files=no | grep -q . && echo " (with local changes)" || true)
	cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
	mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
	case "$bin" in
	*/release/*) profile="release profile" ;;
	*) profile="NOT the release profile: $bin" ;;
	esac
	# shellcheck disable=SC2016  # the backticks are Markdown
	printf 'Machine: %s cores, %s, %s;\n%s, repo at commit `%s`%s; binary: `%s` (%s).' \
		"$(nproc)" "$cpu" "$mem" "$(date -u +%Y-%m-%d)" "$commit" "$dirty" \
		"$("$bin" --version | head -n 1)" "$profile"
}

# bench_write_section NAME SECTION DOC: replaces the section between the bench-NAME markers in
# DOC, or puts it before "## Not yet measured", or at the end; then prints it. The section
# travels through the environment, not `awk -v`, which would eat its backslashes.
bench_write_section() {
	local name=$1 section=$2 doc=$3
	mkdir -p "$(dirname "$doc")"
	[ -f "$doc" ] || printf '# Benchmarks\n\nFigures measured on the project machines; each section names its script.\n' >"$doc"
	if grep -q "<!-- bench-$name:begin" "$doc"; then
		new=$section begin="<!-- bench-$name:begin" end="<!-- bench-$name:end" awk '
			index($0, ENVIRON["begin"]) == 1 {print ENVIRON["new"]; skip = 1; next}
			index($0, ENVIRON["end"]) == 1 {skip = 0; next}
			!skip {print}' "$doc" >"$doc.tmp"
	else
		new=$section awk '
			/^## Not yet measured/ && !done {print ENVIRON["new"]; print ""; done = 1}
			{print}
			END {if (!done) {print ""; print ENVIRON["new"]}}' "$doc" >"$doc.tmp"
	fi
	mv "$doc.tmp" "$doc"
	printf '%s\n' "$section"
}
