"""Renders plugin-manifest/dfimage.yaml: version, and per platform its URI and sha256.

usage: render-manifest.py TEMPLATE VERSION [OS/ARCH=URI=SHA256 ...]
Platforms of the template without an argument are dropped (a partial, local render).
The template is line-based on purpose (no YAML library needed): each platform entry starts
with '  - selector:' and names its os/arch in '@URI:os/arch@'.
"""
import re
import sys


def main() -> int:
    template, version, *args = sys.argv[1:]
    given = {}
    for arg in args:
        platform, uri, sha = arg.split("=", 2)
        given[platform] = (uri, sha)
    text = open(template, encoding="utf-8").read()
    head, _, body = text.partition("  platforms:\n")
    entries = re.split(r"(?m)^(?=  - selector:)", body)
    head = "".join(l for l in head.splitlines(keepends=True) if not l.startswith("#"))
    out = [head.replace("@VERSION@", version), "  platforms:\n"]
    for entry in entries:
        if not entry.strip():
            continue
        m = re.search(r"@URI:([a-z0-9]+/[a-z0-9]+)@", entry)
        if not m:
            out.append(entry)
            continue
        platform = m.group(1)
        if platform not in given:
            continue
        uri, sha = given[platform]
        entry = entry.replace(f"@URI:{platform}@", uri).replace(f"@SHA256:{platform}@", sha)
        out.append(entry)
    sys.stdout.write("".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
