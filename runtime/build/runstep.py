"""One RUN step: a container of dockyard's own runtime over the current layers plus a fresh upper dir.

The container gets a new, empty network namespace unless the build or the step asks for the host's; its output
(stdout and stderr, merged) is handed over line by line. After a successful run the mount stubs the runtime had
to create (``/etc/hosts`` and friends, ``--mount`` targets, ``/proc``...) are removed from the upper dir when the
image did not have them, so they never land in the layer. ``--mount=type=cache`` dirs live under
``DOCKYARD_ROOT/buildcache/mounts/``; ``type=bind`` is read-only unless ``rw`` (then a throwaway copy is mounted).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import stat
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from runtime.build.errors import BuildError, step_failed
from runtime.build.fsops import resolve, tree_entries
from runtime.build.sandbox import in_mount_namespace, mount_overlay
from runtime.images.buildcontext import BuildContext, clean_source
from runtime.images.buildsteps import HEREDOC_DIR, PlannedStep, RunMount
from runtime.process import launcher
from runtime.spec import NAMESPACE_KINDS, ContainerSpec, Mount, Namespace, ProcessSpec, RootfsSpec, User

STUBS = ("/proc", "/dev", "/sys", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf")
TAIL_LINES = 20
SourceFn = Callable[[str], "BuildContext | list[Path]"]  # a --mount from= value -> a context or layer dirs


@dataclass(frozen=True)
class RunOptions:
    network: str = "none"  # none | host
    extra_hosts: tuple[tuple[str, str], ...] = ()
    shm_size: int | None = None
    dockerfile: str = "Dockerfile"


@dataclass
class RunSandbox:
    """Where a RUN works: ``tmp`` (removed by the caller), ``empty`` (an empty dir), ``cache_root``."""

    tmp: Path
    empty: Path
    cache_root: Path
    context: BuildContext
    sources: SourceFn


def run_step(step: PlannedStep, layers: Sequence[Path], box: RunSandbox, opts: RunOptions,
             on_line: Callable[[str], None]) -> Path:
    """Run ``step``; return its upper dir (stubs removed). Raises BuildError on a non-zero exit."""
    cid = "dyb" + secrets.token_hex(13)
    cdir = box.tmp / cid
    cdir.mkdir(parents=True)
    mounts = tuple(_mounts(step, box, cdir, opts))
    (cdir / "hosts").write_text(launcher.DEFAULT_HOSTS + "".join(f"{ip}\t{host}\n" for host, ip in opts.extra_hosts))
    network = step_network(step, opts)
    spaces = tuple(Namespace(k, host=(k == "net" and network == "host")) for k in NAMESPACE_KINDS)
    spec = ContainerSpec(
        id=cid, rootfs=RootfsSpec(tuple(str(p) for p in (layers or [box.empty])), str(cdir)),
        process=ProcessSpec(args=step.argv, env=step.env, cwd=step.workdir, user=User(step.user)),
        hostname="buildkitsandbox", mounts=mounts, namespaces=spaces,
        **({"shm_size": opts.shm_size} if opts.shm_size else {}))
    code, tail = _launch(spec, on_line)
    if code != 0:
        raise step_failed(opts.dockerfile, step.line, step.text, code, tuple(tail))
    upper = cdir / "upper"
    remove_stubs(upper, layers, [*STUBS, *(m.destination for m in mounts)])
    check_plain_upper(upper, f"{opts.dockerfile}:{step.line}: {step.text}")
    return upper


def _kernel_default_on(name: str) -> bool:
    try:
        return Path(f"/sys/module/overlay/parameters/{name}").read_text().strip() == "Y"
    except OSError:
        return False


def check_plain_upper(upper: Path, where: str) -> None:
    """Refuse an upper dir overlayfs wrote with redirects or metadata-only copy-ups (kernel defaults
    ``redirect_dir``/``metacopy`` on): as a layer it would lose the data those point at."""
    if not (_kernel_default_on("redirect_dir") or _kernel_default_on("metacopy")):
        return
    for dirpath, dirs, files in os.walk(upper):
        for name in dirs + files:
            attrs = os.listxattr(os.path.join(dirpath, name), follow_symlinks=False)
            if any(a.endswith(("overlay.redirect", "overlay.metacopy")) for a in attrs):
                raise BuildError(f"{where}: overlayfs recorded a redirect or metacopy for /"
                                 f"{os.path.relpath(os.path.join(dirpath, name), upper)}; load the overlay module "
                                 "with redirect_dir=off metacopy=off to build on this host")


def step_network(step: PlannedStep, opts: RunOptions) -> str:
    """The step's network: ``RUN --network=none`` always works; ``host`` needs the build to allow it."""
    if step.network == "none" or step.network == "default":
        return "none" if step.network == "none" else opts.network
    if opts.network != "host":
        raise BuildError(f"{opts.dockerfile}:{step.line}: RUN --network=host needs the build's network set to "
                         "host (build.network: host, or --network host)")
    return "host"


def _launch(spec: ContainerSpec, on_line: Callable[[str], None]) -> tuple[int, deque[str]]:
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    readfd, writefd = launcher.make_pipe()
    devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    try:
        proc = launcher.start(spec, stdio=(devnull, writefd, writefd))
    except launcher.ContainerStartError as exc:
        os.close(readfd)
        return exc.exit_code, deque([str(exc)])
    finally:
        os.close(writefd)
        os.close(devnull)
    try:
        pending = b""
        with os.fdopen(readfd, "rb", buffering=0) as pipe:
            while chunk := pipe.read(65536):
                *lines, pending = (pending + chunk).split(b"\n")
                for raw in lines:
                    _emit(raw, tail, on_line)
        if pending:
            _emit(pending, tail, on_line)
        code = proc.wait()
    finally:
        if proc.exit_code is None:
            proc.kill()
            proc.wait()
    return int(code or 0), tail


def _emit(raw: bytes, tail: deque[str], on_line: Callable[[str], None]) -> None:
    text = raw.decode("utf-8", "replace").rstrip("\r")
    tail.append(text)
    on_line(text)


# -- --mount ---------------------------------------------------------------------------------------------------
def _mounts(step: PlannedStep, box: RunSandbox, cdir: Path, opts: RunOptions) -> list[Mount]:
    out: list[Mount] = []
    if step.heredocs and step.argv and step.argv[-1].startswith(HEREDOC_DIR + "/"):
        docs = cdir / "heredoc"
        docs.mkdir()
        for doc in step.heredocs:
            path = docs / doc.name
            path.write_text(doc.content)
            path.chmod(0o755)
        out.append(Mount("bind", HEREDOC_DIR, str(docs), readonly=True))
    for mount in step.mounts:
        made = _mount(mount, box, cdir, step, opts)
        if made is not None:
            out.append(made)
    return out


def _flag(mount: RunMount, *names: str) -> bool:
    return any((mount.option(n) or "false").lower() in ("true", "1", "") for n in names if mount.option(n) is not None)


def _mount(mount: RunMount, box: RunSandbox, cdir: Path, step: PlannedStep, opts: RunOptions) -> Mount | None:
    where = f"{opts.dockerfile}:{step.line}: RUN --mount=type={mount.type},target={mount.target}"
    if mount.type == "tmpfs":
        size = mount.option("size")
        return Mount("tmpfs", mount.target, tmpfs_size=int(size) if size and size.isdigit() else None)
    if mount.type == "cache":
        ident = mount.option("id") or mount.target
        host = box.cache_root / hashlib.sha256(ident.encode()).hexdigest()[:32]
        if not host.is_dir():
            host.mkdir(parents=True, mode=0o755)
            host.chmod(int(mount.option("mode") or "755", 8))
            os.chown(host, int(mount.option("uid") or 0), int(mount.option("gid") or 0))
        return Mount("bind", mount.target, str(host), readonly=_flag(mount, "ro", "readonly"))
    if mount.type == "bind":
        source = _bind_source(mount, box, cdir, where)
        return Mount("bind", mount.target, str(source), readonly=not _flag(mount, "rw", "readwrite"))
    if _flag(mount, "required"):
        raise BuildError(f"{where}: {mount.type} mounts are not supported by dockyard's builder; "
                         "pass the value as a build arg or file instead")
    return None


def _bind_source(mount: RunMount, box: RunSandbox, cdir: Path, where: str) -> Path:
    rel = clean_source(mount.option("source") or mount.option("src") or ".")
    origin = box.sources(mount.option("from")) if mount.option("from") else box.context
    writable = _flag(mount, "rw", "readwrite")
    copy = cdir / f"bind-{secrets.token_hex(4)}"
    if isinstance(origin, BuildContext):
        host = Path(os.path.realpath(origin.root / rel))
        if not host.is_relative_to(os.path.realpath(origin.root)) or not host.exists():
            raise BuildError(f"{where}: source {rel!r} is not in {origin.name} {origin.root}")
        if not writable:
            return host
        if host.is_dir():
            shutil.copytree(host, copy, symlinks=True)
        else:
            shutil.copy2(host, copy)
        return copy
    copy.mkdir()
    _materialise(origin, "/" + rel if rel != "." else "/", copy / "tree", box.empty, where)
    return copy / "tree"


def _materialise(layers: list[Path], path: str, top: Path, empty: Path, where: str) -> None:
    """Copy ``path`` of the merged layers to ``top`` (a private mount namespace does the overlay)."""
    mnt = top.parent / "mnt"
    mnt.mkdir()

    def work() -> None:
        mount_overlay(mnt, layers, empty)
        if not os.path.isdir(resolve(str(mnt), path)):
            shutil.copy2(resolve(str(mnt), path), top, follow_symlinks=False)
            return
        top.mkdir()
        for rel, src, st in tree_entries(str(mnt), path, ()):
            if stat.S_ISDIR(st.st_mode):
                (top / rel).mkdir(exist_ok=True)
            else:
                shutil.copy2(src, top / rel, follow_symlinks=False)
    try:
        in_mount_namespace(where, work)
    finally:
        shutil.rmtree(mnt, ignore_errors=True)


# -- stubs -----------------------------------------------------------------------------------------------------
def _lower_stat(layers: Sequence[Path], rel: str) -> os.stat_result | None:
    for layer in reversed(layers):
        try:
            return os.lstat(layer / rel)
        except FileNotFoundError:
            continue
    return None


def _copied_up_only(host: Path, st: os.stat_result, lower: os.stat_result) -> bool:
    """An empty dir overlayfs copied up only to hold a stub: same mode and owner as below, not opaque."""
    same = (st.st_mode, st.st_uid, st.st_gid) == (lower.st_mode, lower.st_uid, lower.st_gid)
    opaque = any(name.endswith("overlay.opaque") for name in os.listxattr(host, follow_symlinks=False))
    return stat.S_ISDIR(st.st_mode) and same and not opaque and not os.listdir(host)


def remove_stubs(upper: Path, layers: Sequence[Path], paths: Sequence[str]) -> None:
    """Remove the empty files/dirs the runtime created as mount points where the image had nothing, and the
    directories overlayfs copied up only to hold them."""
    for path in paths:
        rel = path.strip("/")
        while rel:
            host = upper / rel
            try:
                st = os.lstat(host)
            except FileNotFoundError:
                break
            lower = _lower_stat(layers, rel)
            if lower is not None:
                if not _copied_up_only(host, st, lower):
                    break
                os.rmdir(host)
            elif stat.S_ISDIR(st.st_mode) and not os.listdir(host):
                os.rmdir(host)
            elif stat.S_ISREG(st.st_mode) and st.st_size == 0 and path.strip("/") == rel:
                os.unlink(host)
            else:
                break
            rel = os.path.dirname(rel)
