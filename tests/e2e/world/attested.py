#!/usr/bin/python3
"""A multi-platform index with BuildKit provenance attestations, written by hand.

Debian's docker.io 20.10 has no buildx and its BuildKit cannot export attestations, so this
script writes what `docker buildx build --platform linux/amd64,linux/arm64 --provenance ...
--push` would have pushed, in the shapes BuildKit's image writer uses
(exporter/containerimage/writer.go, docs/attestations/attestation-storage.md and
slsa-definitions.md in moby/buildkit, read for facts):

* linux/amd64: the world's BuildKit-built `app:buildkit` (FROM the world's busybox), described
  with OCI media types as BuildKit's OCI exporter does, plus a legacy attestation manifest
  (`oci-artifact=false`: an image config for unknown/unknown) holding one SLSA v0.2 statement
  in mode=min: materials name the busybox base (purl + sha256) and a `docker/dockerfile`
  frontend image.
* linux/arm64: the world's `multi:oci-index` arm64 image, plus an OCI-artifact attestation
  manifest (artifactType, empty config, subject) holding one SLSA v1 statement in mode=max:
  the real Dockerfile it was built from (tests/e2e/dockerfiles/multi/Dockerfile), base64 in
  `buildkit_metadata.source.infos`, with an LLB definition and build config.

Both platform images keep their config and layer blobs; only manifests and attestation blobs
are new. A second tag, REPO:hostile, attaches an attestation nobody should believe to the amd64
image (an SBOM, a statement about another manifest, a layer that is not JSON). The result is
pushed to the plain registry (blob uploads and manifest PUTs, each
digest checked against the registry's answer) and written as an OCI layout and oci-archive.

usage: attested.py REGISTRY REPO:TAG DOCKERFILE OUT_LAYOUT OUT_ARCHIVE
"""

import base64
import hashlib
import json
import os
import sys
import tarfile
import urllib.parse
import urllib.request

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
INTOTO = "application/vnd.in-toto+json"
ARTIFACT_TYPE = "application/vnd.docker.attestation.manifest.v1+json"
SLSA02 = "https://slsa.dev/provenance/v0.2"
SLSA1 = "https://slsa.dev/provenance/v1"
BUILDTYPE02 = "https://mobyproject.org/buildkit@v1"
BUILDTYPE1 = "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md"
ACCEPT = ", ".join([OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST])


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def desc(media_type, body, **extra):
    d = {"mediaType": media_type, "digest": sha(body), "size": len(body)}
    d.update(extra)
    return d


def get(registry, path, accept=None):
    req = urllib.request.Request(f"http://{registry}/v2/{path}")
    if accept:
        req.add_header("Accept", accept)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read(), r.headers.get("Docker-Content-Digest")


def manifest(registry, repo, ref):
    body, digest = get(registry, f"{repo}/manifests/{ref}", ACCEPT)
    if digest != sha(body):
        sys.exit(f"{repo}:{ref}: registry digest {digest} is not the body's {sha(body)}")
    return body


class Blobs:
    """Every blob of the result, by digest (also what the layout and archive hold)."""

    def __init__(self):
        self.data = {}

    def add(self, data):
        self.data[sha(data)] = data
        return sha(data)

    def fetch(self, registry, repo, digest):
        body, _ = get(registry, f"{repo}/blobs/{digest}")
        if sha(body) != digest:
            sys.exit(f"blob {digest} of {repo} does not match its digest")
        self.data[digest] = body
        return body


def purl(name, version, platform):
    """BuildKit's RefToPURL: familiar name split into namespace and name, tag as version,
    the platform as an escaped qualifier."""
    q = urllib.parse.quote(platform, safe="")
    return f"pkg:docker/{name}@{version}?platform={q}"


def amd64_statement(subject, base_name, base_digest):
    """SLSA v0.2, mode=min: no buildConfig, no source, no build-arg values."""
    name, tag = base_name.rsplit(":", 1)
    return {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": SLSA02,
        "subject": [subject],
        "predicate": {
            "builder": {"id": ""},
            "buildType": BUILDTYPE02,
            "materials": [
                {
                    "uri": purl("docker/dockerfile", "1", "linux/amd64"),
                    "digest": {"sha256": hashlib.sha256(b"dockerfile frontend").hexdigest()},
                },
                {
                    "uri": purl(name, tag, "linux/amd64"),
                    "digest": {"sha256": base_digest.split(":", 1)[1]},
                },
            ],
            "invocation": {
                "configSource": {"entryPoint": "Dockerfile"},
                "parameters": {
                    "frontend": "gateway.v0",
                    "args": {"source": "docker/dockerfile:1"},
                    "locals": [{"name": "context"}, {"name": "dockerfile"}],
                },
                "environment": {"platform": "linux/amd64"},
            },
            "metadata": {
                "buildInvocationID": "e2ehandwrittenamd64min",
                "buildStartedOn": "2023-11-14T22:13:20Z",
                "buildFinishedOn": "2023-11-14T22:13:25Z",
                "completeness": {"parameters": False, "environment": True, "materials": False},
                "reproducible": False,
                "https://mobyproject.org/buildkit@v1#metadata": {},
            },
        },
    }


def arm64_statement(subject, dockerfile, layer):
    """SLSA v1, mode=max: build config, the Dockerfile itself and its LLB."""
    llb = [
        {
            "id": "step0",
            "op": {
                "Op": {
                    "file": {
                        "actions": [
                            {
                                "input": -1,
                                "secondaryInput": 0,
                                "output": 0,
                                "Action": {
                                    "copy": {
                                        "src": "/platform.txt",
                                        "dest": "/platform.txt",
                                        "mode": -1,
                                        "followSymlink": True,
                                        "dirCopyContents": True,
                                        "createDestPath": True,
                                        "allowWildcard": True,
                                        "allowEmptyWildcard": True,
                                        "timestamp": -1,
                                    }
                                },
                            }
                        ]
                    }
                },
                "platform": {"Architecture": "arm64", "OS": "linux"},
                "constraints": {},
            },
            "inputs": ["step1:0"],
        },
        {"id": "step1", "op": {"Op": {"source": {"identifier": "local://context"}}}},
        {"id": "step2", "op": {"Op": None}, "inputs": ["step0:0"]},
    ]
    return {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": SLSA1,
        "subject": [subject],
        "predicate": {
            "buildDefinition": {
                "buildType": BUILDTYPE1,
                "externalParameters": {
                    "configSource": {"path": "Dockerfile"},
                    "request": {
                        "frontend": "dockerfile.v0",
                        "args": {"platform": "linux/arm64"},
                        "locals": [{"name": "context"}, {"name": "dockerfile"}],
                    },
                },
                "internalParameters": {
                    "buildConfig": {"llbDefinition": llb, "digestMapping": {}},
                    "builderPlatform": "linux/amd64",
                },
                "resolvedDependencies": [],
            },
            "runDetails": {
                "builder": {"id": ""},
                "metadata": {
                    "invocationID": "e2ehandwrittenarm64max",
                    "startedOn": "2023-11-14T22:13:20Z",
                    "finishedOn": "2023-11-14T22:13:25Z",
                    "buildkit_metadata": {
                        "source": {
                            "locations": {
                                "step0": {
                                    "locations": [
                                        {"ranges": [{"start": {"line": 6}, "end": {"line": 6}}]}
                                    ]
                                }
                            },
                            "infos": [
                                {
                                    "filename": "Dockerfile",
                                    "language": "Dockerfile",
                                    "data": base64.b64encode(dockerfile).decode(),
                                    "llbDefinition": [
                                        {"id": "step0", "op": {"Op": {"source": {"identifier": "local://dockerfile"}}}}
                                    ],
                                    "digestMapping": {},
                                }
                            ],
                        },
                        "layers": {"step0:0": [[layer]]},
                    },
                    "buildkit_hermetic": True,
                    "buildkit_completeness": {"request": True, "resolvedDependencies": False},
                },
            },
        },
    }


def attestation_manifest(blobs, target, statement, artifact):
    """commitAttestationsManifest: one in-toto layer per statement; OCI artifact form (empty
    config, artifactType, subject) or the legacy image config for unknown/unknown."""
    body = json.dumps(statement, separators=(",", ":")).encode()
    blobs.add(body)
    layer = desc(INTOTO, body, annotations={"in-toto.io/predicate-type": statement["predicateType"]})
    if artifact:
        config = b"{}"
        config_desc = desc(OCI_EMPTY, config, data="e30=")
    else:
        config = json.dumps(
            {
                "architecture": "unknown",
                "os": "unknown",
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]},
            },
            separators=(",", ":"),
        ).encode()
        config_desc = desc(OCI_CONFIG, config)
    blobs.add(config)
    m = {"schemaVersion": 2, "mediaType": OCI_MANIFEST}
    if artifact:
        m["artifactType"] = ARTIFACT_TYPE
    m["config"] = config_desc
    m["layers"] = [layer]
    if artifact:
        m["subject"] = {k: target[k] for k in ("mediaType", "digest", "size")}
    data = json.dumps(m, indent=2).encode()
    blobs.add(data)
    return desc(
        OCI_MANIFEST,
        data,
        annotations={
            "vnd.docker.reference.digest": target["digest"],
            "vnd.docker.reference.type": "attestation-manifest",
        },
        platform={"architecture": "unknown", "os": "unknown"},
    )


def put(registry, repo, blobs, digest):
    req = urllib.request.Request(f"http://{registry}/v2/{repo}/blobs/uploads/", method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        location = r.headers["Location"]
    if location.startswith("/"):
        location = f"http://{registry}{location}"
    sep = "&" if "?" in location else "?"
    url = f"{location}{sep}digest={urllib.parse.quote(digest)}"
    req = urllib.request.Request(url, data=blobs.data[digest], method="PUT")
    req.add_header("Content-Type", "application/octet-stream")
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.headers.get("Docker-Content-Digest") != digest:
            sys.exit(f"upload of {digest} answered {r.headers.get('Docker-Content-Digest')}")


def put_manifest(registry, repo, ref, media_type, data):
    req = urllib.request.Request(f"http://{registry}/v2/{repo}/manifests/{ref}", data=data, method="PUT")
    req.add_header("Content-Type", media_type)
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.headers.get("Docker-Content-Digest") != sha(data):
            sys.exit(f"manifest {ref} answered {r.headers.get('Docker-Content-Digest')}")


def main():
    registry, target, dockerfile_path, out_layout, out_archive = sys.argv[1:6]
    repo, tag = target.rsplit(":", 1)
    with open(dockerfile_path, "rb") as f:
        dockerfile = f.read()
    blobs = Blobs()
    manifests = []  # (media type, bytes) in push order

    # linux/amd64: app:buildkit with OCI media types (same config and layer blobs).
    src = json.loads(manifest(registry, "app", "buildkit"))
    blobs.fetch(registry, "app", src["config"]["digest"])
    for layer in src["layers"]:
        blobs.fetch(registry, "app", layer["digest"])
    amd64 = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {k: src["config"][k] for k in ("digest", "size")} | {"mediaType": OCI_CONFIG},
        "layers": [{"mediaType": OCI_GZIP, "digest": l["digest"], "size": l["size"]} for l in src["layers"]],
    }
    amd64_bytes = json.dumps(amd64, indent=2).encode()
    blobs.add(amd64_bytes)
    amd64_desc = desc(OCI_MANIFEST, amd64_bytes, platform={"architecture": "amd64", "os": "linux"})

    # linux/arm64: the multi index's arm64 image as it is.
    index = json.loads(manifest(registry, "multi", "oci-index"))
    arm = next(d for d in index["manifests"] if d.get("platform", {}).get("architecture") == "arm64")
    arm_bytes = manifest(registry, "multi", arm["digest"])
    blobs.add(arm_bytes)
    arm_m = json.loads(arm_bytes)
    blobs.fetch(registry, "multi", arm_m["config"]["digest"])
    for layer in arm_m["layers"]:
        blobs.fetch(registry, "multi", layer["digest"])
    arm_desc = desc(OCI_MANIFEST, arm_bytes, platform={"architecture": "arm64", "os": "linux"})

    base_name = f"{registry}/test/busybox:latest"
    base_digest = sha(manifest(registry, "test/busybox", "latest"))
    subject_amd64 = {
        "name": purl(f"{registry}/{repo}", tag, "linux/amd64"),
        "digest": {"sha256": amd64_desc["digest"].split(":", 1)[1]},
    }
    subject_arm64 = {
        "name": purl(f"{registry}/{repo}", tag, "linux/arm64"),
        "digest": {"sha256": arm_desc["digest"].split(":", 1)[1]},
    }
    att_amd64 = attestation_manifest(
        blobs, amd64_desc, amd64_statement(subject_amd64, base_name, base_digest), artifact=False
    )
    att_arm64 = attestation_manifest(
        blobs, arm_desc, arm64_statement(subject_arm64, dockerfile, arm_m["layers"][0]), artifact=True
    )
    # BuildKit puts the attestation manifests after all runnable manifests.
    top = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [amd64_desc, arm_desc, att_amd64, att_arm64]}
    top_bytes = json.dumps(top, indent=2).encode()
    blobs.add(top_bytes)

    manifest_digests = {amd64_desc["digest"], arm_desc["digest"], att_amd64["digest"], att_arm64["digest"], sha(top_bytes)}
    for digest in sorted(set(blobs.data) - manifest_digests):
        put(registry, repo, blobs, digest)
    for d in (amd64_desc, arm_desc, att_amd64, att_arm64):
        put_manifest(registry, repo, d["digest"], OCI_MANIFEST, blobs.data[d["digest"]])
    put_manifest(registry, repo, tag, OCI_INDEX, top_bytes)

    # The same as an OCI layout (index.json names the index, as BuildKit's oci exporter does).
    os.makedirs(os.path.join(out_layout, "blobs", "sha256"), exist_ok=True)
    for digest, data in blobs.data.items():
        with open(os.path.join(out_layout, "blobs", "sha256", digest.split(":", 1)[1]), "wb") as f:
            f.write(data)
    with open(os.path.join(out_layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    layout_index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [desc(OCI_INDEX, top_bytes, annotations={"org.opencontainers.image.ref.name": tag})],
    }
    with open(os.path.join(out_layout, "index.json"), "w") as f:
        json.dump(layout_index, f)
    with tarfile.open(out_archive, "w") as t:
        for name in ("oci-layout", "index.json", "blobs"):
            t.add(os.path.join(out_layout, name), arcname=name)

    # HOSTILE_TAG: the amd64 image with an attestation no reader should believe: an SBOM, a
    # provenance statement about another manifest naming another base, and a layer announced
    # as provenance that is not JSON. Pushed only (not in the layout).
    hostile = Blobs()
    layers = []
    for predicate, body in (
        ("https://spdx.dev/Document", json.dumps({"_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": "https://spdx.dev/Document", "subject": [subject_amd64],
            "predicate": {"spdxVersion": "SPDX-2.3"}}).encode()),
        (SLSA02, json.dumps(amd64_statement(subject_arm64, "evil.example/wrong-base:1",
            "sha256:" + "e" * 64)).encode()),
        (SLSA1, b"this is not an in-toto statement\n"),
    ):
        hostile.add(body)
        layers.append(desc(INTOTO, body, annotations={"in-toto.io/predicate-type": predicate}))
    config = json.dumps({"architecture": "unknown", "os": "unknown", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode()
    hostile.add(config)
    att = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": desc(OCI_CONFIG, config), "layers": layers}, indent=2).encode()
    att_desc = desc(OCI_MANIFEST, att, platform={"architecture": "unknown", "os": "unknown"},
        annotations={"vnd.docker.reference.digest": amd64_desc["digest"],
                     "vnd.docker.reference.type": "attestation-manifest"})
    index_bytes = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": [amd64_desc, att_desc]}, indent=2).encode()
    for digest in sorted(hostile.data):
        put(registry, repo, hostile, digest)
    put_manifest(registry, repo, att_desc["digest"], OCI_MANIFEST, att)
    put_manifest(registry, repo, "hostile", OCI_INDEX, index_bytes)
    print(sha(top_bytes))


if __name__ == "__main__":
    main()
