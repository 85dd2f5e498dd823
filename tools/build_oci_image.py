#!/usr/bin/env python3
"""Writes the CRI tests' container images as OCI image-layout tar files, with no registry.

    tools/build_oci_image.py [--busybox /bin/busybox] OUT_DIR

writes OUT_DIR/pause.tar (localhost/pause:1) and OUT_DIR/probelet-test.tar
(localhost/probelet-test:1), each importable with `ctr -n k8s.io images import FILE`
(docs: /work/shared/cri.md section 3). Both images hold one uncompressed layer built from
busybox-static: every entry has uid/gid 0 and mtime 0 and the entries are sorted, so the same
busybox gives the same digests on every run and machine (tests may compare image ids).

- pause: the sandbox image. containerd stops a sandbox with SIGKILL, so any long sleeper would
  do; this one is a busybox shell that exits 0 on SIGTERM/SIGINT too (as the real pause does) and
  reaps whatever is re-parented to it when it is PID 1 of a shared PID namespace.
- probelet-test: /bin/busybox plus a symlink per applet the tests use (sh, httpd, nc, wget, sleep,
  true, cat, ...), /etc/passwd and /etc/group (root, nobody), /www/index.html for httpd, /tmp 1777.

Python 3 standard library only.
"""

import argparse
import hashlib
import io
import json
import os
import sys
import tarfile

ARCH = "amd64"

# The applets linked in the test image (busybox --list has them all; these are the ones tests,
# probes and hooks are expected to call).
TEST_APPLETS = [
    "[", "ash", "awk", "basename", "cat", "chmod", "cp", "cut", "date", "dd", "df", "echo",
    "env", "false", "grep", "head", "hostname", "httpd", "id", "ip", "kill", "ln", "ls",
    "mkdir", "mkfifo", "mv", "nc", "netstat", "nslookup", "printf", "ps", "pwd", "rm", "rmdir",
    "sed", "seq", "sh", "sleep", "sort", "stat", "tail", "tee", "test", "timeout", "top",
    "touch", "tr", "true", "uname", "usleep", "wc", "wget", "whoami", "xargs", "yes",
]

# PID 1 of the sandbox: `wait` returns early on a trapped signal, so TERM/INT end it at once;
# ash's wait also reaps any child, re-parented orphans included.
PAUSE_SCRIPT = "trap 'exit 0' TERM INT; while :; do sleep 86400 & wait; done"


def _info(name, kind, mode, size=0, linkname=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = mode
    ti.size = size
    ti.linkname = linkname
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    ti.mtime = 0
    return ti


def _tar(entries):
    """entries: (TarInfo, bytes or None), written sorted by name; returns the tar's bytes."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for ti, data in sorted(entries, key=lambda e: e[0].name):
            tar.addfile(ti, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def _file(name, data, mode=0o644):
    return (_info(name, tarfile.REGTYPE, mode, len(data)), data)


def _dir(name, mode=0o755):
    return (_info(name, tarfile.DIRTYPE, mode), None)


def _symlink(name, target):
    return (_info(name, tarfile.SYMTYPE, 0o777, linkname=target), None)


def _layer(busybox, applets, extra):
    entries = [_dir(d) for d in ("bin", "dev", "etc", "proc", "sys", "var")]
    entries.append(_dir("tmp", 0o1777))
    entries.append(_file("bin/busybox", busybox, 0o755))
    entries += [_symlink("bin/" + a, "busybox") for a in applets]
    entries += extra
    return _tar(entries)


def _json(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def image_tar(name, layer, entrypoint, cmd, history):
    """The OCI image-layout tar of a one-layer image called `name` (e.g. localhost/pause:1)."""
    layer_digest = _digest(layer)
    config = _json({
        "architecture": ARCH,
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
            "Entrypoint": entrypoint,
            "Cmd": cmd,
            "WorkingDir": "/",
        },
        # Uncompressed layer: its diff_id is its digest.
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        "history": [{"created_by": history}],
    })
    manifest = _json({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": _digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_digest, "size": len(layer)}],
    })
    index = _json({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": _digest(manifest),
            "size": len(manifest),
            "platform": {"architecture": ARCH, "os": "linux"},
            # ctr import takes the full name from this annotation.
            "annotations": {"io.containerd.image.name": name,
                            "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]},
        }],
    })
    entries = [_dir("blobs"), _dir("blobs/sha256"),
               _file("oci-layout", _json({"imageLayoutVersion": "1.0.0"})),
               _file("index.json", index)]
    for blob in (layer, config, manifest):
        entries.append(_file("blobs/sha256/" + _digest(blob)[len("sha256:"):], blob))
    return _tar(entries)


def pause_image(busybox):
    layer = _layer(busybox, ["sh", "sleep"], [])
    return image_tar("localhost/pause:1", layer, ["/bin/sh", "-c", PAUSE_SCRIPT], [],
                     "probelet tools/build_oci_image.py: pause")


def test_image(busybox):
    extra = [
        _file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
              b"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
        _file("etc/group", b"root:x:0:\nnogroup:x:65534:\n"),
        _dir("root", 0o700),
        _dir("www"),
        _file("www/index.html", b"probelet-test\n"),
    ]
    layer = _layer(busybox, TEST_APPLETS, extra)
    return image_tar("localhost/probelet-test:1", layer, [], ["/bin/sh"],
                     "probelet tools/build_oci_image.py: test")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--busybox", default="/bin/busybox",
                        help="a static busybox (Debian: busybox-static)")
    parser.add_argument("out_dir")
    args = parser.parse_args()
    with open(args.busybox, "rb") as f:
        busybox = f.read()
    os.makedirs(args.out_dir, exist_ok=True)
    for file_name, build in (("pause.tar", pause_image), ("probelet-test.tar", test_image)):
        path = os.path.join(args.out_dir, file_name)
        with open(path + ".tmp", "wb") as f:
            f.write(build(busybox))
        os.replace(path + ".tmp", path)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
