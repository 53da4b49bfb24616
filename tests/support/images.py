"""Build test images locally as OCI image layouts: a busybox image from Debian's busybox-static, multi-layer
variants with whiteouts, gzip/zstd/plain layers, Docker or OCI media types, and multi-platform indexes."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from runtime.images.compression import compressor

BUSYBOX = Path("/bin/busybox")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
LAYER_TYPES = {"gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
               "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
               "none": "application/vnd.oci.image.layer.v1.tar"}
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str = "file"  # file, dir, symlink, hardlink
    data: bytes = b""
    target: str = ""
    mode: int = 0o644


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_bytes(entries: list[Entry]) -> bytes:
    """A deterministic tar of ``entries`` (uid/gid 0, mtime 0)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for e in entries:
            info = tarfile.TarInfo(e.name)
            info.mtime, info.mode = 0, e.mode
            if e.kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, e.mode if e.mode != 0o644 else 0o755
            elif e.kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, e.target
            elif e.kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, e.target
            else:
                info.size = len(e.data)
            tar.addfile(info, io.BytesIO(e.data) if e.kind == "file" else None)
    return buf.getvalue()


def busybox_entries(applets: list[str] | None = None) -> list[Entry]:
    """bin/busybox plus ``busybox --install -s`` style symlinks, and the usual top-level directories."""
    names = applets if applets is not None else subprocess.run(
        [str(BUSYBOX), "--list"], check=True, capture_output=True, text=True).stdout.split()
    entries = [Entry(d, "dir") for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "root", "var")]
    entries.append(Entry("bin/busybox", data=BUSYBOX.read_bytes(), mode=0o755))
    entries += [Entry(f"bin/{n}", "symlink", target="busybox") for n in names if n != "busybox"]
    entries.append(Entry("etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n"))
    return entries


def compress(data: bytes, compression: str) -> bytes:
    comp = compressor(compression)
    return comp(data) + comp(None)


@dataclass(frozen=True)
class BuiltImage:
    manifest_digest: str
    manifest: bytes
    media_type: str
    config_digest: str
    config: bytes
    layer_digests: tuple[str, ...]
    diff_ids: tuple[str, ...]
    platform: str

    def descriptor(self) -> dict:
        os_, arch, *variant = self.platform.split("/")
        plat = {"os": os_, "architecture": arch, **({"variant": variant[0]} if variant else {})}
        return {"mediaType": self.media_type, "digest": self.manifest_digest, "size": len(self.manifest),
                "platform": plat}


@dataclass
class Layout:
    """An OCI image layout directory being written; ``tag`` adds an index.json entry."""

    root: Path
    refs: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        (self.root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
        self._write_index()

    def blob(self, data: bytes) -> str:
        digest = sha256(data)
        (self.root / "blobs" / "sha256" / digest.split(":")[1]).write_bytes(data)
        return digest

    def image(self, layers: list[bytes], *, compression: str = "gzip", platform: str = "linux/amd64",
              config: dict | None = None, docker: bool = False) -> BuiltImage:
        """Add an image whose layers are the given uncompressed tars."""
        os_, arch, *variant = platform.split("/")
        diff_ids = [sha256(t) for t in layers]
        cfg = {"architecture": arch, "os": os_, "created": "2024-01-01T00:00:00Z",
               "config": config or {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
               "rootfs": {"type": "layers", "diff_ids": diff_ids}}
        if variant:
            cfg["variant"] = variant[0]
        cfg_bytes = json.dumps(cfg, sort_keys=True).encode()
        blobs = [compress(t, compression) for t in layers]
        layer_type = DOCKER_LAYER if docker else LAYER_TYPES[compression]
        manifest = {"schemaVersion": 2, "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
                    "config": {"mediaType": "application/vnd.docker.container.image.v1+json" if docker
                               else "application/vnd.oci.image.config.v1+json",
                               "digest": self.blob(cfg_bytes), "size": len(cfg_bytes)},
                    "layers": [{"mediaType": layer_type, "digest": self.blob(b), "size": len(b)} for b in blobs]}
        data = json.dumps(manifest, indent=2).encode()
        return BuiltImage(self.blob(data), data, manifest["mediaType"], sha256(cfg_bytes), cfg_bytes,
                          tuple(sha256(b) for b in blobs), tuple(diff_ids), platform)

    def index(self, images: list[BuiltImage], *, docker: bool = False) -> tuple[str, bytes]:
        doc = {"schemaVersion": 2, "mediaType": DOCKER_LIST if docker else OCI_INDEX,
               "manifests": [i.descriptor() for i in images]}
        data = json.dumps(doc, indent=2).encode()
        return self.blob(data), data

    def tag(self, tag: str, digest: str, media_type: str) -> None:
        size = (self.root / "blobs" / "sha256" / digest.split(":")[1]).stat().st_size
        self.refs.append({"mediaType": media_type, "digest": digest, "size": size,
                          "annotations": {"org.opencontainers.image.ref.name": tag}})
        self._write_index()

    def _write_index(self) -> None:
        doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": self.refs}
        (self.root / "index.json").write_text(json.dumps(doc))


def busybox_image(layout: Layout, *, compression: str = "gzip", platform: str = "linux/amd64",
                  docker: bool = False, extra_layers: list[list[Entry]] | None = None) -> BuiltImage:
    layers = [tar_bytes(busybox_entries())] + [tar_bytes(e) for e in extra_layers or []]
    return layout.image(layers, compression=compression, platform=platform, docker=docker)
