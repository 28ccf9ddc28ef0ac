# shellcheck shell=bash
# Services of the e2e world (sourced by world.sh): the PKI, three docker-registry instances
# (plain HTTP; TLS + htpasswd; bearer tokens), the token server and a private dockerd.
# Everything binds to 127.0.0.1 on ports chosen free at start; every process is started with its
# PID in a file and stopped by that PID only.

# pid_of NAME: the PID in $STATE/NAME/pid if that process is alive, else nothing.
pid_of() {
	local f=$STATE/$1/pid pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		printf '%s\n' "$pid"
	fi
}

port_is_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

new_free_port() {
	local p i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		p=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		if port_is_free "$p"; then
			printf '%s\n' "$p"
			return
		fi
	done
	die "no free loopback port found"
}

# port_for NAME: the port NAME used last time if it is free again, else a new free one; saved in
# $STATE/ports/NAME.
port_for() {
	local f=$STATE/ports/$1 p=""
	mkdir -p "$STATE/ports"
	[ -f "$f" ] && p=$(cat "$f")
	if [ -z "$p" ] || ! port_is_free "$p"; then
		p=$(new_free_port)
	fi
	printf '%s\n' "$p" >"$f"
	printf '%s\n' "$p"
}

saved_port() { cat "$STATE/ports/$1"; }

# wait_http NAME EXPECTED_CODE CURL_ARGS...: polls until the URL answers with the expected code.
wait_http() {
	local name=$1 want=$2 code i
	shift 2
	for i in $(seq 1 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" 2>/dev/null || true)
		[ "$code" = "$want" ] && return 0
		sleep 0.2
	done
	die "$name did not become ready (last HTTP code '$code', wanted $want); see its log under $STATE"
}

make_pki() {
	local d=$STATE/pki
	[ -f "$d/done" ] && return 0
	log "making the test CA, the registry's TLS certificate and the token-signing certificate"
	rm -rf "$d"
	mkdir -p "$d/certdir"
	(
		cd "$d"
		openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout ca.key -out ca.crt \
			-subj /CN=dfimage-e2e-ca -addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign
		openssl req -newkey rsa:2048 -nodes -sha256 -keyout tls.key -out tls.csr -subj /CN=localhost
		printf '%s\n' 'subjectAltName=IP:127.0.0.1,DNS:localhost' 'basicConstraints=critical,CA:FALSE' \
			'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' >leaf.ext
		openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
			-extfile leaf.ext -out tls.crt
		openssl req -newkey rsa:2048 -nodes -sha256 -keyout token.key -out token.csr -subj /CN=token-signer
		printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' >token.ext
		openssl x509 -req -in token.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
			-extfile token.ext -out token.crt
		htpasswd -Bbc htpasswd "$WORLD_USER" "$WORLD_PASS"
		cp ca.crt certdir/ca.crt
	) >"$STATE/pki.log" 2>&1 || {
		tail -n 20 "$STATE/pki.log" >&2
		die "making the PKI failed"
	}
	: >"$d/done"
}

# write_registry_config NAME PORT EXTRA_YAML
write_registry_config() {
	local name=$1 port=$2 extra=$3 d=$STATE/reg/$1
	mkdir -p "$d/data"
	cat >"$d/config.yml" <<EOF
version: 0.1
log: {level: info, fields: {service: registry-$name}}
storage:
  filesystem: {rootdirectory: $d/data}
  delete: {enabled: true}
  cache: {blobdescriptor: inmemory}
http:
  addr: 127.0.0.1:$port
  headers: {X-Content-Type-Options: [nosniff]}
$extra
EOF
}

start_one_registry() {
	local name=$1 port extra want scheme=http
	local d=$STATE/reg/$name
	[ -n "$(pid_of "reg/$name")" ] && return 0
	port=$(port_for "$name")
	case $name in
	plain)
		extra=""
		want=200
		;;
	secure)
		extra="  tls: {certificate: $STATE/pki/tls.crt, key: $STATE/pki/tls.key}
auth:
  htpasswd: {realm: test-realm, path: $STATE/pki/htpasswd}"
		want=401
		scheme=https
		;;
	token)
		extra="auth:
  token:
    realm: http://127.0.0.1:$(saved_port realm)/token
    service: test-registry
    issuer: test-token-issuer
    rootcertbundle: $STATE/pki/ca.crt"
		want=401
		;;
	esac
	# tls: belongs under http:, which is the last block written before $extra.
	write_registry_config "$name" "$port" "$extra"
	log "starting registry $name on 127.0.0.1:$port"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin nohup /usr/bin/docker-registry serve "$d/config.yml" \
		>>"$d/registry.log" 2>&1 </dev/null &
	echo $! >"$d/pid"
	wait_http "registry $name" "$want" --cacert "$STATE/pki/ca.crt" "$scheme://127.0.0.1:$port/v2/"
}

start_registries() {
	# The realm port must be known before the token registry's config is written.
	[ -n "$(pid_of token)" ] || port_for realm >/dev/null
	start_one_registry plain
	start_one_registry secure
	start_one_registry token
}

start_token_server() {
	local d=$STATE/token port
	[ -n "$(pid_of token)" ] && return 0
	mkdir -p "$d"
	port=$(saved_port realm)
	port_is_free "$port" || die "token realm port $port is taken by another process"
	log "starting the token server on 127.0.0.1:$port"
	nohup /usr/bin/python3 "$WORLD_DIR/token-server.py" --port "$port" \
		--key "$STATE/pki/token.key" --cert "$STATE/pki/token.crt" --issuer test-token-issuer \
		--user "$WORLD_USER" --password "$WORLD_PASS" --lifetime "${WORLD_TOKEN_LIFETIME:-300}" \
		--log "$d/requests.jsonl" >>"$d/server.log" 2>&1 </dev/null &
	echo $! >"$d/pid"
	wait_http "token server" 200 "http://127.0.0.1:$port/token?service=test-registry"
}

# dk ARGS...: the Debian docker CLI against the private dockerd, with a private CLI config.
dk() { DOCKER_HOST="unix://$STATE/docker/docker.sock" DOCKER_CONFIG="$STATE/docker/cli" /usr/bin/docker "$@"; }

start_dockerd() {
	local d=$STATE/docker plain i
	plain=127.0.0.1:$(saved_port plain)
	if [ -n "$(pid_of docker)" ]; then
		[ "$(cat "$d/registry" 2>/dev/null)" = "$plain" ] && return 0
		log "dockerd trusts an old registry address; restarting it"
		stop_pidfile docker 30
		unmount_under "$d"
	fi
	mkdir -p "$d/cli" "$d/data" "$d/exec"
	[ -f "$d/cli/config.json" ] || echo '{}' >"$d/cli/config.json"
	log "starting dockerd (data in $d)"
	nohup /usr/sbin/dockerd --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
		-H "unix://$d/docker.sock" --iptables=false --ip6tables=false --bridge=none \
		--ip-forward=false --ip-masq=false --userland-proxy=false --insecure-registry "$plain" \
		>>"$d/dockerd.log" 2>&1 </dev/null &
	echo $! >"$d/pid"
	printf '%s\n' "$plain" >"$d/registry"
	for i in $(seq 1 150); do
		dk version >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$d/pid")" 2>/dev/null || break
		sleep 0.2
	done
	tail -n 30 "$d/dockerd.log" >&2
	die "dockerd did not start"
}

# stop_pidfile NAME SECONDS: SIGTERM, wait, then SIGKILL.
stop_pidfile() {
	local name=$1 wait_s=$2 pid i
	pid=$(pid_of "$name")
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		for i in $(seq 1 $((wait_s * 5))); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "$name (pid $pid) ignored SIGTERM; killing it"
			kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$STATE/$name/pid"
}

stop_all() {
	local managed
	stop_pidfile docker 30
	# dockerd's own containerd normally exits with it; make sure after a hard kill.
	managed=$STATE/docker/exec/containerd/containerd.pid
	if [ -f "$managed" ] && kill -0 "$(cat "$managed")" 2>/dev/null; then
		kill "$(cat "$managed")" 2>/dev/null || true
	fi
	stop_pidfile token 5
	stop_pidfile reg/token 10
	stop_pidfile reg/secure 10
	stop_pidfile reg/plain 10
}

# unmount_under DIR: unmounts everything mounted below DIR, deepest first (dockerd leaves its
# netns bind mount behind, and overlay mounts after a hard kill).
unmount_under() {
	local dir m
	[ -d "$1" ] || return 0
	dir=$(cd "$1" && pwd -P)
	awk -v p="$dir/" 'index($2, p) == 1 || $2 == substr(p, 1, length(p) - 1) {print $2}' /proc/mounts |
		sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
	done
}
