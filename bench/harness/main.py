"""``bench/run``: set up, measure every selected figure for dockyard and its anchor, tear down, report."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from . import measure_compose as mc
from . import measure_memory, measure_scripts, report, setup
from .anchors import Anchors
from .dockyard import Dockyard
from .figures import FigureDef, Outcome, by_id, evaluate
from .system import Netns, have, preexisting, remove_new_state_dirs

RESULTS = Path(__file__).resolve().parents[1] / "results"
DOCKYARD_NEEDS = ("compose", "container_run", "registry")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (fits in 25 minutes)")
    ap.add_argument("--json", type=Path, help="write the results document here")
    ap.add_argument("--only", help="comma-separated figure ids (P1 selects P1a, P1b and P1c)")
    ap.add_argument("--no-anchors", action="store_true", help="skip docker/podman and the compose tools")
    return ap.parse_args(argv)


class Run:
    """One harness run: owns the temp dir, both netns, the engines; ``close`` undoes everything."""

    def __init__(self, args: argparse.Namespace, figures: list[FigureDef]) -> None:
        self.args, self.figures, self.quick = args, figures, args.quick
        self.wanted = {f.id for f in figures}
        self.work = Path(tempfile.mkdtemp(prefix="dybench-"))
        self.state_before = preexisting()
        tag = str(os.getpid())
        self.dy_ns, self.an_ns = Netns(f"dybench-dy-{tag}"), Netns(f"dybench-an-{tag}")
        self.dy: Dockyard | None = None
        self.an: Anchors | None = None
        self.caps: dict[str, str | None] = {}
        self.docker = self.podman = False
        self.outcomes: dict[str, Outcome] = {}
        self.notes: list[str] = []

    def want(self, *ids: str) -> bool:
        return any(i in self.wanted for i in ids)

    # -- setup --------------------------------------------------------------------------------------------------
    def set_up(self) -> None:
        anchors = not self.args.no_anchors
        self.notes += setup.install(anchors, log)
        tarball = setup.image_tarball(self.work)
        self.dy_ns.create()
        self.dy = Dockyard(self.work / "dy", self.dy_ns)
        self.dy.import_image(tarball)
        if self.want("P1b"):
            self.caps["container_run"] = self.dy.probe_container_run()
        if self.want("P2", "P2b", "P3", "P4", "P5", "P5b", "P6", "P6b", "P11"):
            self.caps["compose"] = self.dy.probe_compose()
        registry = have("docker-registry") and have("skopeo")
        self.caps["registry"] = None if registry else "docker-registry or skopeo missing"
        if anchors and self.want("P1b", "P2", "P2b", "P3", "P4", "P5", "P6", "P6b", "P8"):
            self._start_anchors(tarball)
        log(f"capabilities: {self.caps}; docker={self.docker} podman={self.podman}")

    def _start_anchors(self, tarball: Path) -> None:
        self.an_ns.create()
        self.an = Anchors(self.work / "anchors", self.an_ns, log)
        if have("dockerd") and have("docker-compose"):
            try:
                self.an.start_docker()
                self.an.import_image(tarball, "docker")
                self.docker = True
            except Exception as exc:  # recorded: the figures say why their anchor is missing
                self.notes.append(f"docker anchor unavailable: {exc}")
        if have("podman") and have("podman-compose") and self.want("P2b", "P6b"):
            try:
                self.an.write_podman_conf()
                self.an.import_image(tarball, "podman")
                self.podman = True
            except Exception as exc:
                self.notes.append(f"podman anchor unavailable: {exc}")

    # -- measurement --------------------------------------------------------------------------------------------
    def blocked(self, fig: FigureDef) -> str | None:
        for need in fig.needs:
            if need in DOCKYARD_NEEDS and self.caps.get(need):
                return self.caps[need]
        return None

    def group(self, ids: tuple[str, ...], fn) -> None:
        """Measure a group of figures with ``fn`` (returning one Outcome or a dict of them); never raises."""
        todo = [f for f in self.figures if f.id in ids]
        if not todo:
            return
        reasons = {f.id: self.blocked(f) for f in todo}
        if all(reasons.values()):
            self.outcomes.update({i: Outcome.unmeasurable(r) for i, r in reasons.items()})
            return
        log(f"measuring {', '.join(f.id for f in todo)}")
        try:
            got = fn()
        except Exception as exc:  # one broken figure must not stop the others
            got = {i: Outcome.unmeasurable(f"measurement failed: {type(exc).__name__}: {str(exc)[:300]}")
                   for i in ids}
        got = got if isinstance(got, dict) else {ids[0]: got}
        for i in ids:
            if i in self.wanted:
                self.outcomes[i] = Outcome.unmeasurable(reasons[i]) if reasons.get(i) else got.get(
                    i, Outcome.unmeasurable("not produced by its measurement"))

    def measure(self) -> None:
        q = self.quick
        docker_an = self.an if self.docker else None
        self.group(("P1a", "P1c"), lambda: measure_scripts.start(q))
        self.group(("P1b",), lambda: setup.container_run(self.dy, docker_an, 10 if q else 30))
        self.group(("P2", "P2b", "P3", "P4", "P5", "P5b", "P11"), self._compose)
        self.group(("P6", "P6b"), lambda: measure_memory.outcomes(
            self.dy, mc.dockyard_tool(self.dy), self.an, mc.docker_compose_tool(self.an) if self.docker else None,
            self.podman, self.work / "stacks"))
        self.group(("P7a",), lambda: measure_scripts.pull(q))
        self.group(("P7b",), lambda: measure_scripts.unpack(q))
        self.group(("P8",), lambda: measure_scripts.logs(q, self.an.env if self.docker else None))
        self.group(("P9a", "P9b"), lambda: measure_scripts.dns(q))
        self.group(("P10",), lambda: measure_scripts.ports(q))

    def _compose(self) -> dict[str, Outcome]:
        tools = [mc.dockyard_tool(self.dy)]
        if self.docker:
            tools.append(mc.docker_compose_tool(self.an))
        if self.podman and self.want("P2b"):
            tools.append(mc.podman_compose_tool(self.an))
        stacks = self.work / "stacks"
        samples = mc.run_compose(tools, stacks, 3 if self.quick else 5, 1 if self.quick else 3, log)
        out = mc.outcomes(samples, mc.python_pass(10 if self.quick else 30))
        if self.want("P11"):
            log("measuring P11 (200 containers)")
            out["P11"] = mc.linearity(tools[0], stacks, 1 if self.quick else 3, samples)
        return out

    # -- teardown -----------------------------------------------------------------------------------------------
    def close(self) -> None:
        """Undo everything, whatever happened; Ctrl-C and SIGTERM are held off until it is done."""
        old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for part in (self.dy, self.an):
                if part is not None:
                    with contextlib.suppress(Exception):
                        self.notes += part.teardown()
            for ns in (self.dy_ns, self.an_ns):
                ns.delete()
            remove_new_state_dirs(self.state_before)
            shutil.rmtree(self.work, ignore_errors=True)
        finally:
            for s, h in old.items():
                signal.signal(s, h)


def _sigterm(_signum, _frame) -> None:
    raise KeyboardInterrupt("SIGTERM")


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    if os.geteuid() != 0:
        print("bench/run needs root (namespaces, mounts, bridges)", file=sys.stderr)
        return 2
    try:
        figures = by_id([s.strip() for s in args.only.split(",")] if args.only else None)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _sigterm)
    started = time.time()
    run = Run(args, figures)
    try:
        run.set_up()
        run.measure()
        versions = setup.versions(run.an.env if run.an else dict(os.environ))
    except KeyboardInterrupt:
        log("interrupted: tearing down")
        return 130
    finally:
        run.close()
    for note in run.notes:
        log(note)
    results = [evaluate(f, run.outcomes.get(f.id, Outcome.unmeasurable("not run"))) for f in figures]
    doc = report.document(report.machine_info(versions), results, quick=args.quick, started=started,
                          ended=time.time())
    doc["notes"] = run.notes
    print(report.format_table(doc["figures"]))
    out = args.json or RESULTS / ("quick.json" if args.quick else "full.json")
    report.write_json(out, doc)
    log(f"wrote {out}")
    return 0
