# shellcheck shell=bash
# Fixture verification and the env file of the e2e world (sourced by world.sh).
# verify_fixtures checks every plain-registry tag the way a careful client would (digest header ==
# sha256 of the body, layer magic bytes == media type) and records each tag's manifest digest;
# write_env writes $STATE/env.sh, the one file tests read.

MANIFEST_ACCEPT='application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json'

# tag_var app:buildah-docker -> APP_BUILDAH_DOCKER
tag_var() { printf '%s\n' "$1" | tr '[:lower:]' '[:upper:]' | tr -c 'A-Z0-9\n' '_'; }

# magic_of URL: the first four bytes of a blob, as hex.
magic_of() { curl -sS --fail -r 0-3 "$1" | od -An -tx1 | tr -d ' \n'; }

# verify_manifest REPO REFERENCE: prints the manifest's digest; dies on any inconsistency.
verify_manifest() {
	local repo=$1 ref=$2 base tmp digest body_digest ctype child layer_type layer_digest magic
	base=http://$(plain_addr)/v2/$repo
	tmp=$(mktemp -d)
	curl -sS --fail -D "$tmp/h" -o "$tmp/b" -H "Accept: $MANIFEST_ACCEPT" "$base/manifests/$ref" ||
		die "fixture $repo:$ref: manifest fetch failed"
	digest=$(awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}' "$tmp/h" | tr -d '\r')
	ctype=$(awk -F': ' 'tolower($1) == "content-type" {print $2}' "$tmp/h" | tr -d '\r')
	body_digest=sha256:$(sha256sum "$tmp/b" | cut -d' ' -f1)
	[ "$digest" = "$body_digest" ] ||
		die "fixture $repo:$ref: Docker-Content-Digest $digest is not the body's $body_digest"
	case $ctype in
	*index*|*manifest.list*)
		for child in $(jq -r '.manifests[].digest' "$tmp/b"); do
			verify_manifest "$repo" "$child" >/dev/null
		done
		;;
	*)
		while read -r layer_type layer_digest; do
			magic=$(magic_of "$base/blobs/$layer_digest")
			case $layer_type in
			*gzip) [ "${magic:0:4}" = 1f8b ] || die "fixture $repo:$ref: $layer_digest says gzip, starts $magic" ;;
			*zstd) [ "$magic" = 28b52ffd ] || die "fixture $repo:$ref: $layer_digest says zstd, starts $magic" ;;
			*)
				if [ "${magic:0:4}" = 1f8b ] || [ "$magic" = 28b52ffd ]; then
					die "fixture $repo:$ref: $layer_digest says $layer_type, starts $magic"
				fi
				;;
			esac
		done < <(jq -r '.layers[] | "\(.mediaType) \(.digest)"' "$tmp/b")
		;;
	esac
	rm -rf "$tmp"
	printf '%s\n' "$digest"
}

verify_fixtures() {
	local tag digest out=$STATE/digests.env
	: >"$out.tmp"
	for tag in "${PLAIN_TAGS[@]}"; do
		digest=$(verify_manifest "${tag%:*}" "${tag##*:}")
		printf 'export WORLD_DIGEST_%s=%s\n' "$(tag_var "$tag")" "$digest" >>"$out.tmp"
	done
	mv "$out.tmp" "$out"
}

# docker_config DIR USER PASS: a docker config.json with credentials for the two auth registries.
docker_config() {
	local dir=$1 auth
	auth=$(printf '%s:%s' "$2" "$3" | base64 -w0)
	mkdir -p "$dir"
	jq -n --arg s "$(secure_addr)" --arg t "$(token_addr)" --arg a "$auth" \
		'{auths: {($s): {auth: $a}, ($t): {auth: $a}}}' >"$dir/config.json"
}

write_env() {
	local f=$STATE/env.sh a=$STATE/archives tag
	docker_config "$STATE/auth/good" "$WORLD_USER" "$WORLD_PASS"
	docker_config "$STATE/auth/bad" "$WORLD_USER" "wrong-$WORLD_PASS"
	mkdir -p "$STATE/auth/empty"
	echo '{}' >"$STATE/auth/empty/config.json"
	{
		echo "# Written by tests/e2e/world.sh; source it or read KEY=VALUE pairs."
		echo "export WORLD_STATE=$STATE"
		echo "export WORLD_DOCKERFILES=$WORLD_DIR/dockerfiles"
		echo "export WORLD_PLAIN=$(plain_addr)"
		echo "export WORLD_SECURE=$(secure_addr)"
		echo "export WORLD_TOKEN=$(token_addr)"
		echo "export WORLD_TOKEN_REALM=http://127.0.0.1:$(saved_port realm)/token"
		echo "export WORLD_CA=$STATE/pki/ca.crt"
		echo "export WORLD_CERT_DIR=$STATE/pki/certdir"
		echo "export WORLD_USER=$WORLD_USER"
		echo "export WORLD_PASS=$WORLD_PASS"
		echo "export WORLD_DOCKER_CONFIG=$STATE/auth/good"
		echo "export WORLD_DOCKER_CONFIG_BAD=$STATE/auth/bad"
		echo "export WORLD_DOCKER_CONFIG_EMPTY=$STATE/auth/empty"
		echo "export WORLD_PLAIN_LOG=$STATE/reg/plain/registry.log"
		echo "export WORLD_SECURE_LOG=$STATE/reg/secure/registry.log"
		echo "export WORLD_TOKEN_LOG=$STATE/reg/token/registry.log"
		echo "export WORLD_TOKEN_REQUESTS=$STATE/token/requests.jsonl"
		echo "export WORLD_DOCKER_HOST=unix://$STATE/docker/docker.sock"
		echo "export WORLD_CONTAINERS_STORAGE_CONF=$(storage_conf)"
		echo "export WORLD_DEBIAN_ROOTFS=$STATE/rootfs/debian"
		echo "export WORLD_SHELLFORM_GREETING=$SHELLFORM_GREETING"
		echo "export WORLD_MULTI_PLATFORMS=\"${MULTI_PLATFORMS[*]}\""
		echo "export WORLD_OCI_LAYOUT=$a/app-oci"
		echo "export WORLD_OCI_LAYOUT_TAG=v1"
		echo "export WORLD_OCI_ARCHIVE=$a/app-oci.tar"
		echo "export WORLD_DOCKER_ARCHIVE=$a/app-docker-archive.tar"
		echo "export WORLD_DOCKER_ARCHIVE_REF=e2e/app:buildah-docker"
		echo "export WORLD_DOCKER_SAVE_CLASSIC=$a/app-classic.docker-save.tar"
		echo "export WORLD_DOCKER_SAVE_BUILDKIT=$a/app-buildkit.docker-save.tar"
		echo "export WORLD_DOCKER_SAVE_FILES_CLASSIC=$a/files-classic.docker-save.tar"
		echo "export WORLD_MULTI_OCI_LAYOUT=$a/multi-oci"
		echo "export WORLD_PROVENANCE_LAYOUT=$a/provenance"
		echo "export WORLD_PROVENANCE_ARCHIVE=$a/provenance.tar"
		echo "export WORLD_PROVENANCE_DOCKERFILE=$WORLD_DIR/dockerfiles/multi/Dockerfile"
		echo "export WORLD_RAW_CONFIG_BUILDAH_DOCKER=$a/app-buildah-docker.config.json"
		echo "export WORLD_RAW_CONFIG_CLASSIC=$a/app-classic.config.json"
		echo "export WORLD_RAW_CONFIG_BUILDKIT=$a/app-buildkit.config.json"
		echo "export WORLD_TAGS=\"${PLAIN_TAGS[*]}\""
		echo "export WORLD_SECURE_TAGS=\"${SECURE_TAGS[*]}\""
		echo "export WORLD_TOKEN_TAGS=\"${TOKEN_TAGS[*]}\""
		for tag in "${PLAIN_TAGS[@]}"; do
			echo "export WORLD_REF_$(tag_var "$tag")=$(plain_addr)/$tag"
		done
		if stamped large; then
			echo "export WORLD_REF_BIG_LATEST=$(plain_addr)/big:latest"
		fi
		cat "$STATE/digests.env"
	} >"$f.tmp"
	mv "$f.tmp" "$f"
}
