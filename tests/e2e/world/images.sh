# shellcheck shell=bash
# Fixture images of the e2e world (sourced by world.sh): a busybox base made from
# busybox-static, the Dockerfiles under tests/e2e/dockerfiles built by buildah (docker and oci
# formats, --layers, --squash, --omit-history, a 3-platform list), by Docker's classic builder and
# by BuildKit, hand-made umoci images, copies into the TLS and token registries, local archives,
# and zstd/uncompressed variants (pushed last: see test-components.md 11.4). Each step is stamped.

# Tags in the plain registry that tests may read (repository:tag).
PLAIN_TAGS=(
	test/busybox:latest
	app:buildah-docker app:buildah-oci app:buildah-layers app:buildah-squash app:buildah-nohistory
	app:classic app:buildkit
	shellform:buildah shellform:classic shellform:buildkit
	files:buildah files:classic files:buildkit
	multi:oci-index multi:docker-list
	umoci/hello:v1 umoci/nohistory:v1
	app:oci-zstd app:oci-uncompressed files:buildah-zstd files:buildah-uncompressed
	provenance:multi provenance:hostile
)
SECURE_TAGS=(app:buildah-docker app:buildah-oci app:classic multi:oci-index)
TOKEN_TAGS=(app:buildah-docker app:buildkit multi:docker-list)
MULTI_PLATFORMS=(linux/amd64 linux/arm64 linux/arm/v7)
# The build argument given to every shellform build (its Dockerfile default is "hello").
SHELLFORM_GREETING=bonjour

storage_conf() { printf '%s\n' "$STATE/containers/storage.conf"; }

# bah/sko: buildah and skopeo on the world's private vfs storage, never a user's credentials.
bah() {
	env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG CONTAINERS_STORAGE_CONF="$(storage_conf)" \
		BUILDAH_ISOLATION=chroot buildah "$@"
}
sko() { env -u REGISTRY_AUTH_FILE -u DOCKER_CONFIG CONTAINERS_STORAGE_CONF="$(storage_conf)" skopeo "$@"; }
umo() { umoci "$@"; }

plain_addr() { printf '127.0.0.1:%s\n' "$(saved_port plain)"; }
secure_addr() { printf '127.0.0.1:%s\n' "$(saved_port secure)"; }
token_addr() { printf '127.0.0.1:%s\n' "$(saved_port token)"; }

prepare_storage() {
	local c=$STATE/containers
	mkdir -p "$c/run" "$c/storage"
	cat >"$c/storage.conf" <<EOF
[storage]
driver = "vfs"
runroot = "$c/run"
graphroot = "$c/storage"
EOF
}

# Build contexts: copies of tests/e2e/dockerfiles/NAME, plus generated inputs.
prepare_contexts() {
	local name
	rm -rf "$STATE/ctx"
	mkdir -p "$STATE/ctx"
	for name in app shellform files multi; do
		cp -a "$WORLD_DIR/dockerfiles/$name" "$STATE/ctx/$name"
	done
	tar -C "$STATE/ctx/app" --sort=name --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
		-cf - vendored | gzip -n >"$STATE/ctx/app/vendored.tar.gz"
}

build_base() {
	local r=$STATE/rootfs/busybox a c
	rm -rf "$r"
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/home/app"
	cp /bin/busybox "$r/bin/busybox"
	chmod 1777 "$r/tmp"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'app:x:1000:1000:app:/home/app:/bin/sh' \
		'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$r/etc/passwd"
	printf '%s\n' 'root:x:0:' 'app:x:1000:' 'nogroup:x:65534:' >"$r/etc/group"
	chown 1000:1000 "$r/home/app"
	c=$(bah from scratch)
	run_logged base-copy bah copy "$c" "$r/" /
	run_logged base-config bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		--cmd /bin/sh --author tester --created-by "busybox-static rootfs" "$c"
	run_logged base-commit bah commit --rm --timestamp 1700000000 "$c" localhost/test/busybox:latest
	run_logged base-push bah push --tls-verify=false localhost/test/busybox:latest \
		"docker://$(plain_addr)/test/busybox:latest"
}

# bud TAG CONTEXT FLAGS...: buildah build of dockerfiles/CONTEXT, pushed to the plain registry.
bud() {
	local tag=$1 ctx=$STATE/ctx/$2 step=${1//[:\/]/-}
	shift 2
	run_logged "bud-$step" bah bud --pull=never --isolation chroot "$@" -f "$ctx/Dockerfile" \
		-t "localhost/$tag" "$ctx"
	run_logged "push-$step" bah push --tls-verify=false "localhost/$tag" "docker://$(plain_addr)/$tag"
}

build_buildah_images() {
	local p
	bud app:buildah-docker app --format docker
	bud app:buildah-oci app --format oci
	bud app:buildah-layers app --format docker --layers
	bud app:buildah-squash app --format docker --squash
	bud app:buildah-nohistory app --format oci --omit-history
	bud shellform:buildah shellform --format docker --build-arg "GREETING=$SHELLFORM_GREETING"
	bud files:buildah files --format docker --layers
	bah manifest rm localhost/multi:latest >/dev/null 2>&1 || true
	for p in "${MULTI_PLATFORMS[@]}"; do
		run_logged "bud-multi-${p//\//-}" bah bud --pull=never --isolation chroot --format oci \
			--platform "$p" --manifest localhost/multi:latest -f "$STATE/ctx/multi/Dockerfile" "$STATE/ctx/multi"
	done
	run_logged push-multi-index bah manifest push --all --tls-verify=false localhost/multi:latest \
		"docker://$(plain_addr)/multi:oci-index"
	run_logged push-multi-list bah manifest push --all --format v2s2 --tls-verify=false \
		localhost/multi:latest "docker://$(plain_addr)/multi:docker-list"
}

# Hand-made histories: arbitrary created_by/comment/author, and an image with no history at all.
build_umoci_images() {
	local l=$STATE/umoci/layout b=$STATE/umoci/bundle
	rm -rf "$STATE/umoci"
	mkdir -p "$STATE/umoci"
	run_logged umoci-init umo init --layout "$l"
	run_logged umoci-new umo new --image "$l:base"
	run_logged umoci-unpack umo unpack --image "$l:base" "$b"
	mkdir -p "$b/rootfs/app"
	echo hi >"$b/rootfs/app/hello.txt"
	run_logged umoci-repack umo repack --image "$l:base" \
		--history.created_by '/bin/sh -c #(nop) ADD file:hello.txt in /app/' \
		--history.comment 'layer 1' --history.author tester "$b"
	run_logged umoci-config umo config --image "$l:base" --tag v1 --author tester \
		--config.env FOO=bar --config.workingdir /app --config.entrypoint /app/run --config.cmd=--help \
		--config.label org.example.k=v --config.exposedports 8080/tcp --config.volume /data \
		--config.user 1000:1000 --history.created_by '/bin/sh -c #(nop)  ENV FOO=bar'
	run_logged umoci-empty umo new --image "$l:empty"
	run_logged umoci-nohistory umo config --image "$l:empty" --tag nohistory --no-history \
		--config.cmd /bin/true
	run_logged umoci-push-hello sko copy --dest-tls-verify=false "oci:$l:v1" \
		"docker://$(plain_addr)/umoci/hello:v1"
	run_logged umoci-push-nohistory sko copy --dest-tls-verify=false "oci:$l:nohistory" \
		"docker://$(plain_addr)/umoci/nohistory:v1"
}

# dkb KIT ARGS...: docker with DOCKER_BUILDKIT=KIT (0 classic, 1 BuildKit).
dkb() {
	local kit=$1
	shift
	DOCKER_BUILDKIT=$kit dk "$@"
}

# dbuild TAG KIT CONTEXT FLAGS...
dbuild() {
	local tag=$1 kit=$2 ctx=$STATE/ctx/$3 step=${1//[:\/]/-} ref
	shift 3
	ref=$(plain_addr)/$tag
	if [ "$kit" = 1 ]; then
		set -- --progress plain "$@"
	fi
	run_logged "dbuild-$step" dkb "$kit" build --network host "$@" -t "$ref" -f "$ctx/Dockerfile" "$ctx"
	run_logged "dpush-$step" dk push "$ref"
}

build_docker_images() {
	local base
	base=$(plain_addr)/test/busybox:latest
	run_logged docker-pull-base dk pull "$base"
	run_logged docker-tag-base dk tag "$base" localhost/test/busybox:latest
	dbuild app:classic 0 app
	dbuild app:buildkit 1 app
	dbuild shellform:classic 0 shellform --build-arg "GREETING=$SHELLFORM_GREETING"
	dbuild shellform:buildkit 1 shellform --build-arg "GREETING=$SHELLFORM_GREETING"
	dbuild files:classic 0 files
	dbuild files:buildkit 1 files
}

copy_to_auth_registries() {
	local tag all
	for tag in "${SECURE_TAGS[@]}"; do
		all=()
		[[ $tag == multi:* ]] && all=(--all)
		run_logged "copy-secure-${tag//[:\/]/-}" sko copy "${all[@]}" --src-tls-verify=false \
			--dest-cert-dir "$STATE/pki/certdir" --dest-creds "$WORLD_USER:$WORLD_PASS" \
			"docker://$(plain_addr)/$tag" "docker://$(secure_addr)/$tag"
	done
	for tag in "${TOKEN_TAGS[@]}"; do
		all=()
		[[ $tag == multi:* ]] && all=(--all)
		run_logged "copy-token-${tag//[:\/]/-}" sko copy "${all[@]}" --src-tls-verify=false \
			--dest-tls-verify=false --dest-creds "$WORLD_USER:$WORLD_PASS" \
			"docker://$(plain_addr)/$tag" "docker://$(token_addr)/$tag"
	done
}

make_archives() {
	local a=$STATE/archives p
	p=$(plain_addr)
	rm -rf "$a"
	mkdir -p "$a"
	run_logged archive-oci sko copy --src-tls-verify=false "docker://$p/app:buildah-oci" "oci:$a/app-oci:v1"
	run_logged archive-oci-archive sko copy --src-tls-verify=false "docker://$p/app:buildah-oci" \
		"oci-archive:$a/app-oci.tar:v1"
	run_logged archive-docker-archive sko copy --src-tls-verify=false "docker://$p/app:buildah-docker" \
		"docker-archive:$a/app-docker-archive.tar:e2e/app:buildah-docker"
	run_logged archive-multi-oci sko copy --all --src-tls-verify=false "docker://$p/multi:oci-index" \
		"oci:$a/multi-oci:latest"
	run_logged save-classic dk save -o "$a/app-classic.docker-save.tar" "$p/app:classic"
	run_logged save-buildkit dk save -o "$a/app-buildkit.docker-save.tar" "$p/app:buildkit"
	run_logged save-files-classic dk save -o "$a/files-classic.docker-save.tar" "$p/files:classic"
	sko inspect --tls-verify=false --raw --config "docker://$p/app:buildah-docker" \
		>"$a/app-buildah-docker.config.json"
	sko inspect --tls-verify=false --raw --config "docker://$p/app:classic" >"$a/app-classic.config.json"
	sko inspect --tls-verify=false --raw --config "docker://$p/app:buildkit" >"$a/app-buildkit.config.json"
}

# zstd and uncompressed layers, through local copies and --preserve-digests (a registry-to-registry
# copy would silently reuse the gzip blobs). Pushed last.
make_variants() {
	local v=$STATE/variants p
	p=$(plain_addr)
	rm -rf "$v"
	mkdir -p "$v"
	run_logged variant-zstd-local sko copy --src-tls-verify=false --dest-compress-format zstd \
		"docker://$p/app:buildah-oci" "oci:$v/zstd:latest"
	run_logged variant-zstd-push sko copy --preserve-digests --dest-tls-verify=false \
		"oci:$v/zstd:latest" "docker://$p/app:oci-zstd"
	run_logged variant-plain-local bah push --disable-compression localhost/app:buildah-oci "dir:$v/plain"
	run_logged variant-plain-push sko copy --preserve-digests --dest-tls-verify=false \
		"dir:$v/plain" "docker://$p/app:oci-uncompressed"
	# The layer-content fixture (links, whiteouts, setuid, odd names) in both forms too.
	run_logged variant-files-zstd-local sko copy --src-tls-verify=false --dest-compress-format zstd \
		"docker://$p/files:buildah" "oci:$v/files-zstd:latest"
	run_logged variant-files-zstd-push sko copy --preserve-digests --dest-tls-verify=false \
		"oci:$v/files-zstd:latest" "docker://$p/files:buildah-zstd"
	run_logged variant-files-plain-local bah push --disable-compression localhost/files:buildah "dir:$v/files-plain"
	run_logged variant-files-plain-push sko copy --preserve-digests --dest-tls-verify=false \
		"dir:$v/files-plain" "docker://$p/files:buildah-uncompressed"
}

# A 2-platform index with BuildKit provenance attestations (mode=min for linux/amd64, mode=max with
# the multi Dockerfile for linux/arm64). Written by hand with python: Debian's docker.io 20.10
# cannot build attestations, so world/attested.py writes BuildKit's shapes itself (its docstring
# says which) from the images above, pushes them, and writes a layout and an oci-archive; plus
# provenance:hostile, an attestation no reader should believe.
build_provenance_images() {
	local a=$STATE/archives/provenance
	rm -rf "$a" "$a.tar"
	mkdir -p "$STATE/archives"
	run_logged provenance /usr/bin/python3 "$WORLD_DIR/world/attested.py" "$(plain_addr)" \
		provenance:multi "$STATE/ctx/multi/Dockerfile" "$a" "$a.tar"
}

build_large() {
	local ctx=$STATE/ctx/large
	stamped large && return 0
	log "building the large image (a 256 MiB random layer) for the benchmarks"
	mkdir -p "$ctx"
	head -c 268435456 /dev/urandom >"$ctx/blob.bin"
	printf '%s\n' 'FROM localhost/test/busybox:latest' 'COPY blob.bin /data/blob.bin' \
		'CMD ["/bin/sh"]' >"$ctx/Dockerfile"
	run_logged bud-large bah bud --pull=never --isolation chroot --format docker -f "$ctx/Dockerfile" \
		-t localhost/big:latest "$ctx"
	run_logged push-large bah push --tls-verify=false localhost/big:latest "docker://$(plain_addr)/big:latest"
	rm -f "$ctx/blob.bin"
	stamp large
}

# step NAME FUNCTION: runs FUNCTION unless NAME is stamped.
step() {
	local t0=$SECONDS
	stamped "$1" && return 0
	log "building fixtures: $1"
	"$2"
	stamp "$1"
	log "  $1 done in $((SECONDS - t0)) s"
}

build_fixtures() {
	prepare_storage
	stamped contexts || {
		prepare_contexts
		stamp contexts
	}
	step base build_base
	step buildah build_buildah_images
	step umoci build_umoci_images
	step docker build_docker_images
	step copies copy_to_auth_registries
	step archives make_archives
	step variants make_variants
	# The script is not in the content hash: its own hash names the step, so a change reruns it.
	step "provenance-$(sha256sum "$WORLD_DIR/world/attested.py" | cut -c1-12)" build_provenance_images
	step verify verify_fixtures
}
