#!/usr/bin/env bash
# The e2e world: real registries, real builders, real images, all on loopback.
#
#   tests/e2e/world.sh up       install missing packages, start services, build fixtures, write env
#   tests/e2e/world.sh down     stop every service this state folder started (by PID), unmount
#   tests/e2e/world.sh status   show what runs and which fixtures are built
#   tests/e2e/world.sh env      print the env file tests read ($STATE/env.sh)
#   tests/e2e/world.sh large    also build the >= 200 MB image the benchmarks use
#   tests/e2e/world.sh install  only install missing packages and check the tools
#
# State lives in $WORLD_STATE (default $REPO/.state/world). `up` is idempotent: services that run
# are kept, fixtures built before are reused (stamp files); a change to the fixture Dockerfiles or
# to the image recipes rebuilds all fixtures from empty registries. Delete the folder to start over.
# Needs root (apt, chroot builds, dockerd). Fails loudly; never skips a component.
set -euo pipefail

WORLD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$WORLD_DIR/../.." && pwd)
STATE=${WORLD_STATE:-$REPO/.state/world}
PACKAGES_FILE=$REPO/scripts/packages.txt

# Credentials of the TLS (basic auth) and token registries.
WORLD_USER=testuser
WORLD_PASS=testpass

log() { printf '[world %s] %s\n' "$(date +%T)" "$*" >&2; }
die() {
	printf '[world %s] ERROR: %s\n' "$(date +%T)" "$*" >&2
	exit 1
}

# run_logged NAME CMD...: runs CMD with its output in $STATE/logs/NAME.log; on failure shows the
# end of that log and stops the whole script.
run_logged() {
	local name=$1
	shift
	mkdir -p "$STATE/logs"
	if ! "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null; then
		printf '[world] ERROR: step %s failed: %s\n--- last lines of %s ---\n' \
			"$name" "$*" "$STATE/logs/$name.log" >&2
		tail -n 40 "$STATE/logs/$name.log" >&2
		exit 1
	fi
}

# Stamp files: a step that finished leaves $STATE/stamps/NAME.
stamped() { [ -e "$STATE/stamps/$1" ]; }
stamp() {
	mkdir -p "$STATE/stamps"
	: >"$STATE/stamps/$1"
}

# shellcheck source=tests/e2e/world/services.sh
. "$WORLD_DIR/world/services.sh"
# shellcheck source=tests/e2e/world/images.sh
. "$WORLD_DIR/world/images.sh"
# shellcheck source=tests/e2e/world/trees.sh
. "$WORLD_DIR/world/trees.sh"
# shellcheck source=tests/e2e/world/envfile.sh
. "$WORLD_DIR/world/envfile.sh"

require_root() {
	[ "$(id -u)" = 0 ] || die "the e2e world needs root (apt-get, chroot builds, dockerd); run it as root"
}

# Installs the Debian packages of scripts/packages.txt that are not installed yet.
install_packages() {
	[ -r "$PACKAGES_FILE" ] || die "missing $PACKAGES_FILE"
	local pkg missing=()
	while read -r pkg; do
		pkg=${pkg%%#*}
		pkg=${pkg//[[:space:]]/}
		[ -n "$pkg" ] || continue
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$pkg")
		fi
	done <"$PACKAGES_FILE"
	if [ ${#missing[@]} -eq 0 ]; then
		return
	fi
	command -v apt-get >/dev/null || die "packages missing (${missing[*]}) and no apt-get to install them"
	log "installing Debian packages: ${missing[*]}"
	run_logged apt-update apt-get update
	run_logged apt-install env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# Every tool the world calls, with the package that provides it: a missing one is a hard error.
check_tools() {
	local tool
	for tool in /usr/bin/docker-registry /usr/bin/htpasswd /usr/bin/skopeo /usr/bin/umoci \
		/usr/bin/buildah /bin/busybox /usr/bin/jq /usr/bin/curl /usr/bin/openssl /usr/bin/ss \
		/usr/bin/python3 /usr/sbin/dockerd /usr/bin/docker /usr/sbin/debootstrap; do
		[ -x "$tool" ] || die "required tool $tool is missing (see scripts/packages.txt)"
	done
	/usr/bin/python3 -c 'import jwt, cryptography' 2>/dev/null ||
		die "/usr/bin/python3 cannot import jwt and cryptography (python3-jwt, python3-cryptography)"
}

# A hash over everything that decides the fixtures' content; when it changes, fixtures are rebuilt.
content_hash() {
	(
		cd "$WORLD_DIR"
		find dockerfiles world/images.sh -type f -print0 | sort -z | xargs -0 sha256sum
	) | sha256sum | cut -d' ' -f1
}

# Throws away fixtures built from an older recipe: registry data, build storage, archives, stamps.
reset_fixtures_if_stale() {
	local want have=""
	want=$(content_hash)
	[ -f "$STATE/stamps/content" ] && have=$(cat "$STATE/stamps/content")
	if [ "$want" = "$have" ]; then
		return
	fi
	if [ -n "$have" ]; then
		log "fixture recipes changed: rebuilding all fixtures from empty registries"
	fi
	stop_all
	unmount_under "$STATE/docker"
	rm -rf "$STATE/reg/plain/data" "$STATE/reg/secure/data" "$STATE/reg/token/data" \
		"$STATE/containers" "$STATE/archives" "$STATE/ctx" "$STATE/variants" "$STATE/stamps" \
		"$STATE/docker/data"
	stamp content
	printf '%s\n' "$want" >"$STATE/stamps/content"
}

cmd_up() {
	require_root
	local t0=$SECONDS
	mkdir -p "$STATE"
	install_packages
	check_tools
	reset_fixtures_if_stale
	make_pki
	start_registries
	start_token_server
	start_dockerd
	build_fixtures
	build_trees
	write_env
	log "world is up in $((SECONDS - t0)) s; env file: $STATE/env.sh"
}

cmd_down() {
	stop_all
	unmount_under "$STATE/docker"
	log "world is down (state kept in $STATE)"
}

cmd_status() {
	local name pid
	for name in reg/plain reg/secure reg/token token docker; do
		pid=$(pid_of "$name")
		if [ -n "$pid" ]; then
			printf '%-11s running (pid %s)\n' "$name" "$pid"
		else
			printf '%-11s stopped\n' "$name"
		fi
	done
	printf 'fixtures:   %s\n' "$(ls "$STATE/stamps" 2>/dev/null | tr '\n' ' ')"
	[ -f "$STATE/env.sh" ] && printf 'env file:   %s\n' "$STATE/env.sh"
	return 0
}

cmd_env() {
	[ -f "$STATE/env.sh" ] || die "no env file yet; run: tests/e2e/world.sh up"
	cat "$STATE/env.sh"
}

cmd_large() {
	cmd_up
	build_large
	write_env
}

cmd_install() {
	require_root
	mkdir -p "$STATE"
	install_packages
	check_tools
}

case ${1:-} in
install) cmd_install ;;
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) cmd_env ;;
large) cmd_large ;;
*)
	echo "usage: $0 up|down|status|env|large|install   (state: \$WORLD_STATE, default $REPO/.state/world)" >&2
	exit 2
	;;
esac
