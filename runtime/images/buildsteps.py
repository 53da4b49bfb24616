"""One build stage, instruction by instruction: substitution, config effects, and a step per instruction.

``StageBuilder`` holds the running state of a stage (ENV, declared ARGs, WORKDIR, USER, SHELL, the OCI config
section, history) and turns each parsed instruction into a ``PlannedStep``. Filesystem steps (RUN, COPY, ADD,
WORKDIR) get a cache key = sha256(parent key + the resolved instruction with everything that affects its result:
env and build args for RUN, content digests for COPY/ADD); config-only steps change the config, not the chain.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.errors import ImageError
from runtime.images import buildconfig as cfg
from runtime.images import dockerfile as df
from runtime.images.buildcontext import BuildContext, clean_source
from runtime.images.buildvars import expand_word

PROXY_ARGS = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
              "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy")
HEREDOC_DIR = "/dev/.dockyard-heredoc"  # a RUN whose heredoc starts with #! runs the body placed here


def cache_hash(*parts: Any) -> str:
    data = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


def abs_path(workdir: str, path: str) -> str:
    """``path`` resolved against ``workdir``, cleaned, always absolute with a single leading '/'."""
    return "/" + posixpath.normpath(posixpath.join("/", workdir, path)).lstrip("/")


@dataclass(frozen=True)
class CopySource:
    """Where one COPY/ADD source comes from. ``origin``: context, named-context, stage, image, heredoc, url."""

    origin: str
    ref: str
    path: str = ""
    digest: str | None = None
    kind: str | None = None
    archive: bool = False
    content: str | None = None  # heredoc body after substitution


@dataclass(frozen=True)
class RunMount:
    """``RUN --mount=type=...,target=...`` with its options (values substituted)."""

    type: str
    target: str
    options: tuple[tuple[str, str], ...] = ()
    source_digest: str | None = None  # bind mounts: content of what is mounted
    problem: str | None = None

    def option(self, name: str, default: str | None = None) -> str | None:
        return dict(self.options).get(name, default)


@dataclass(frozen=True)
class PlannedStep:
    """One instruction of a stage after substitution, with what it needs and (if it builds a layer) its key."""

    index: int
    line: int
    keyword: str
    text: str
    action: str  # "run" | "copy" | "add" | "workdir" | "config"
    cache_key: str | None = None
    created_by: str = ""
    trigger: bool = False  # came from a base image's ONBUILD
    argv: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    workdir: str = "/"
    user: str = ""
    mounts: tuple[RunMount, ...] = ()
    network: str = "default"
    heredocs: tuple[df.Heredoc, ...] = ()
    sources: tuple[CopySource, ...] = ()
    dest: str = ""
    chown: str | None = None
    chmod: str | None = None
    link: bool = False
    excludes: tuple[str, ...] = ()  # COPY --exclude patterns, relative to each source
    parents: bool = False  # COPY --parents: keep the source's directories under dest
    needs: tuple[str, ...] = ()
    offline_error: str | None = None
    problems: tuple[str, ...] = ()  # why executing this step must fail (missing source, offline ADD URL)

    @property
    def builds_layer(self) -> bool:
        return self.action != "config"


Resolver = Callable[[str, int], tuple[str, Any]]


@dataclass
class StageBuilder:
    """Mutable state while one stage is planned. ``resolve(name, line)`` answers a ``--from`` value."""

    config: dict[str, Any]
    parent_key: str
    escape: str
    build_args: Mapping[str, str]
    global_args: Mapping[str, str | None]
    auto_args: Mapping[str, str]
    context: BuildContext
    resolve: Resolver
    path: str = "Dockerfile"
    args: dict[str, str | None] = field(default_factory=dict)
    state_env: dict[str, str] = field(default_factory=dict)  # what RUN sees and words expand with
    consumed: set[str] = field(default_factory=set)
    steps: list[PlannedStep] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    cmd_set: bool = False
    author: str | None = None
    trigger: bool = False

    # -- scope -------------------------------------------------------------------------------------------
    @property
    def shell(self) -> tuple[str, ...]:
        return tuple(self.config.get("Shell") or cfg.DEFAULT_SHELL)

    @property
    def workdir(self) -> str:
        return self.config.get("WorkingDir") or "/"

    def scope(self) -> dict[str, str]:
        """BuildKit's build state environment: image ENV, then ENV and valued ARGs, the later one winning."""
        return self.state_env

    def expand(self, word: str, line: int) -> str:
        try:
            return expand_word(word, self.scope(), self.escape)
        except ImageError as exc:
            raise df.DockerfileError(line, f"variable substitution in {word!r}: {exc}",
                                     "check the ${...} syntax and quotes", path=self.path) from exc

    def fail(self, line: int, message: str, fix: str = "") -> df.DockerfileError:
        return df.DockerfileError(line, message, fix, path=self.path)

    # -- recording ---------------------------------------------------------------------------------------
    def add(self, instr: df.Instruction, text: str, action: str = "config", key_parts: tuple = (),
            created_by: str | None = None, **fields: Any) -> PlannedStep:
        key = None
        if action != "config":
            key = cache_hash(self.parent_key, action, text, *key_parts)
            self.parent_key = key
        created = created_by or text
        step = PlannedStep(index=len(self.steps) + 1, line=instr.line, keyword=instr.keyword, text=text,
                           action=action, cache_key=key, created_by=created, trigger=self.trigger, **fields)
        self.steps.append(step)
        entry: dict[str, Any] = {"created_by": created, "comment": "buildkit.dockerfile.v0"}
        if action == "config":
            entry["empty_layer"] = True
        self.history.append(entry)
        return step

    def apply(self, instr: df.Instruction) -> None:
        handler = getattr(self, "_" + instr.keyword.lower())
        try:
            handler(instr)
        except df.DockerfileError:
            raise
        except ImageError as exc:
            raise self.fail(instr.line, str(exc)) from exc

    # -- declarations ------------------------------------------------------------------------------------
    def _arg(self, instr: df.Arg) -> None:
        shown = []
        for name, default in instr.args:
            value = self.arg_value(name, default, instr.line)
            self.args[name] = value
            if value is not None:
                self.state_env[name] = value
            shown.append(name if value is None else f"{name}={value}")
        self.add(instr, "ARG " + " ".join(shown))

    def arg_value(self, name: str, default: str | None, line: int) -> str | None:
        if name in self.build_args:
            self.consumed.add(name)
            return self.build_args[name]
        if default is not None:
            return self.expand(default, line)
        if self.global_args.get(name) is not None:
            return self.global_args[name]
        return self.auto_args.get(name)

    def _env(self, instr: df.Env) -> None:
        # every pair is substituted with the values from before this instruction, as Docker does
        pairs = [(self.expand(k, instr.line), self.expand(v, instr.line)) for k, v in instr.pairs]
        for key, value in pairs:
            cfg.set_env(self.config, key, value)
            self.state_env[key] = value
        self.add(instr, "ENV " + " ".join(f"{k}={v}" for k, v in pairs))

    def _label(self, instr: df.Label) -> None:
        labels = dict(self.config.get("Labels") or {})
        shown = []
        for key, value in instr.pairs:
            key, value = self.expand(key, instr.line), self.expand(value, instr.line)
            labels[key] = value
            shown.append(f"{key}={json.dumps(value)}")
        self.config["Labels"] = labels
        self.add(instr, "LABEL " + " ".join(shown))

    def _expose(self, instr: df.Expose) -> None:
        ports = dict(self.config.get("ExposedPorts") or {})
        added: list[str] = []
        for word in instr.ports:
            for spec in self.expand(word, instr.line).split():
                added.extend(cfg.expose_ports(spec))
        for port in added:
            ports[port] = {}
        self.config["ExposedPorts"] = ports
        self.add(instr, "EXPOSE " + " ".join(added))

    def _volume(self, instr: df.Volume) -> None:
        volumes = dict(self.config.get("Volumes") or {})
        paths = [self.expand(p, instr.line) for p in instr.paths]
        if not all(paths):
            raise self.fail(instr.line, "VOLUME specified can not be an empty string", "name a path")
        for path in paths:
            volumes[path] = {}
        self.config["Volumes"] = volumes
        self.add(instr, f"VOLUME {cfg.go_list(paths)}")

    def _user(self, instr: df.User) -> None:
        self.config["User"] = self.expand(instr.user, instr.line)
        self.add(instr, f"USER {self.config['User']}")

    def _stopsignal(self, instr: df.Stopsignal) -> None:
        self.config["StopSignal"] = cfg.check_signal(self.expand(instr.signal, instr.line))
        self.add(instr, f"STOPSIGNAL {self.config['StopSignal']}")

    def _maintainer(self, instr: df.Maintainer) -> None:
        self.author = instr.name
        self.add(instr, f"MAINTAINER {instr.name}")

    def _workdir(self, instr: df.Workdir) -> None:
        path = self.expand(instr.path, instr.line)
        path = abs_path(self.workdir, path)
        self.config["WorkingDir"] = path
        user = self.config.get("User") or ""
        self.add(instr, f"WORKDIR {path}", "workdir", (user,), workdir=path, user=user)

    # -- commands ----------------------------------------------------------------------------------------
    def command(self, instr: df.Run | df.Cmd | df.Entrypoint) -> list[str]:
        if instr.exec_form:
            return list(instr.command)
        return [*self.shell, *instr.command]

    def _cmd(self, instr: df.Cmd) -> None:
        self.config["Cmd"] = self.command(instr)
        self.cmd_set = True
        cmd = self.config["Cmd"]
        self.add(instr, f"CMD {json.dumps(cmd)}", created_by=f"CMD {cfg.go_list(cmd)}")

    def _entrypoint(self, instr: df.Entrypoint) -> None:
        self.config["Entrypoint"] = self.command(instr)
        if not self.cmd_set:
            self.config.pop("Cmd", None)
        self.add(instr, f"ENTRYPOINT {json.dumps(self.config['Entrypoint'])}",
                 created_by=f"ENTRYPOINT {cfg.go_list(self.config['Entrypoint'])}")

    def _shell(self, instr: df.Shell) -> None:
        self.config["Shell"] = list(instr.command)
        self.add(instr, f"SHELL {json.dumps(list(instr.command))}")

    def _healthcheck(self, instr: df.Healthcheck) -> None:
        options = {k: v or "" for k, v in instr.flags}
        self.config["Healthcheck"] = cfg.healthcheck_config(instr.command, instr.exec_form, self.shell, options)
        self.add(instr, f"HEALTHCHECK {json.dumps(self.config['Healthcheck'])}")

    def _onbuild(self, instr: df.Onbuild) -> None:
        self.config["OnBuild"] = [*(self.config.get("OnBuild") or []), instr.expression]
        self.add(instr, f"ONBUILD {instr.expression}")

    def run_env(self) -> tuple[list[str], list[str]]:
        """(environment of a RUN, the part of it that belongs in the cache key: all but undeclared proxies)."""
        keyed = [f"{k}={v}" for k, v in self.state_env.items()]
        proxies = []
        for name in PROXY_ARGS:
            if name in self.build_args and name not in self.state_env:
                self.consumed.add(name)
                proxies.append(f"{name}={self.build_args[name]}")
        return keyed + proxies, keyed

    def _run(self, instr: df.Run) -> None:
        argv = self.command(instr)
        if instr.heredocs and not instr.exec_form:
            argv = self.heredoc_argv(instr)
        env, keyed = self.run_env()
        args = [f"{k}={self.state_env.get(k, v or '')}" for k, v in self.args.items()]
        mounts = tuple(self.mount(m, instr.line) for m in instr.flag_values("mount"))
        network = instr.flag("network") or "default"
        if network not in ("default", "none", "host"):
            raise self.fail(instr.line, f"RUN --network={network} is not supported", "use default, none or host")
        user = self.config.get("User") or ""
        needs = tuple(f"stage {m.option('from')}" for m in mounts if m.option("from"))
        prefix = f"|{len(args)} {' '.join(args)} " if args else ""
        shown = " ".join(argv) if instr.exec_form else instr.command[0]
        if instr.heredocs:
            lines = instr.heredocs[0].content.strip().splitlines() or [""]
            shown += f" ({lines[0].strip()}{'...' if len(lines) > 1 else ''})"
        bodies = tuple(h.content for h in instr.heredocs)
        mount_key = [(m.type, m.target, m.options, m.source_digest) for m in mounts]
        problems = tuple(m.problem for m in mounts if m.problem)
        self.add(instr, f"RUN {shown}", "run", (argv, keyed, self.workdir, user, mount_key, network, bodies),
                 created_by=f"RUN {prefix}{' '.join(argv)} # buildkit", argv=tuple(argv), env=tuple(env),
                 workdir=self.workdir, user=user, mounts=mounts, network=network, heredocs=instr.heredocs,
                 needs=needs, problems=problems)

    def heredoc_argv(self, instr: df.Run) -> list[str]:
        """A RUN that is only ``<<EOF`` runs the body as the script; otherwise the shell gets the heredocs.

        A body starting with ``#!`` runs with that interpreter: the executor places the body (mode 0755) at
        ``HEREDOC_DIR/<name>`` for the step, as BuildKit does with its own temporary mount.
        """
        words = instr.command[0].split()
        if len(instr.heredocs) == 1 and len(words) == 1 and words[0].lstrip("0123456789").startswith("<<"):
            doc = instr.heredocs[0]
            if doc.content.startswith("#!"):
                return [*doc.content[2:].partition("\n")[0].split(), f"{HEREDOC_DIR}/{doc.name}"]
            return [*self.shell, doc.content]
        script = instr.command[0] + "\n" + "".join(f"{h.content}{h.name}\n" for h in instr.heredocs)
        return [*self.shell, script]

    def mount(self, spec: str, line: int) -> RunMount:
        options: list[tuple[str, str]] = []
        for part in spec.split(","):
            key, eq, value = part.partition("=")
            key = key.strip().lower()
            options.append((key, self.expand(value, line) if eq else "true"))
        opts = dict(options)
        kind = opts.pop("type", "bind")
        target = opts.pop("target", None) or opts.pop("dst", None) or opts.pop("destination", None)
        if kind not in ("bind", "cache", "tmpfs", "secret", "ssh"):
            raise self.fail(line, f"RUN --mount type {kind!r} is not supported", "use bind, cache or tmpfs")
        if not target and kind in ("bind", "cache", "tmpfs"):
            raise self.fail(line, f"RUN --mount={spec}: no target", "add target=/path")
        digest, problem = self.bind_digest(opts, line) if kind == "bind" else (None, None)
        return RunMount(kind, abs_path(self.workdir, target) if target else "", tuple(sorted(opts.items())),
                        digest, problem)

    def bind_digest(self, opts: Mapping[str, str], line: int) -> tuple[str | None, str | None]:
        """Content identity of a bind mount's source (it goes into the RUN's cache key), or a problem."""
        source = clean_source(opts.get("source") or opts.get("src") or ".")
        origin, value = self.resolve(opts["from"], line) if opts.get("from") else ("context", self.context)
        if origin == "stage":
            return cache_hash(value.fs_key, source), None
        if origin == "image":
            return cache_hash(*value, source), None
        try:
            return value.source(source).digest, None
        except OSError:
            return None, f"RUN --mount source {source!r}: not found in {value.name} {value.root}"

    # -- files -------------------------------------------------------------------------------------------
    def dest_path(self, dest: str) -> str:
        is_dir = dest.endswith("/") or dest in (".", "..") or dest.endswith("/.")
        path = abs_path(self.workdir, dest)
        return path + "/" if is_dir and path != "/" else path

    def _copy(self, instr: df.Copy) -> None:
        from runtime.images.buildcopy import plan_copy
        plan_copy(self, instr)

    _add = _copy
