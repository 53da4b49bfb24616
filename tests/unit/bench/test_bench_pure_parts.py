"""Pure pieces of the harness: the generated stacks, compose figures from samples, package selection."""

from __future__ import annotations

import yaml

from bench.harness import measure_compose as mc
from bench.harness.figures import FIGURES, evaluate
from bench.harness.stacks import chain, flat, write_stack
from bench.harness.system import missing_packages


def test_flat_stack_has_n_independent_services_that_obey_sigterm():
    services = yaml.safe_load(flat(30))["services"]
    assert len(services) == 30
    assert all("depends_on" not in s for s in services.values())
    assert all("trap 'exit 0' TERM" in s["command"][2] for s in services.values())


def test_chain_gates_the_second_service_on_the_first_ones_health():
    services = yaml.safe_load(chain(10))["services"]
    assert list(services) == [f"s{i:03d}" for i in range(1, 11)]
    assert services["s001"]["healthcheck"]["test"] == ["CMD", "true"]
    assert services["s002"]["depends_on"] == {"s001": {"condition": "service_healthy"}}
    assert services["s010"]["depends_on"] == ["s009"]


def test_write_stack_names_the_file_after_the_stack(tmp_path):
    path = write_stack(tmp_path / "stacks", "flat30", 3)
    assert path == tmp_path / "stacks" / "flat30.yml"
    assert len(yaml.safe_load(path.read_text())["services"]) == 3


def samples() -> mc.ComposeSamples:
    s = mc.ComposeSamples()
    for tool, up, ps, down in (("dockyard", 1.0, 0.2, 0.5), ("docker-compose", 5.0, 0.4, 2.5)):
        for _ in range(3):
            s.add("up30", tool, up)
            s.add("ps30", tool, ps)
            s.add("down30", tool, down)
            s.add("up10", tool, up * 2)
    return s


def fig(fid: str):
    return next(f for f in FIGURES if f.id == fid)


def test_compose_outcomes_pair_dockyard_with_docker_compose():
    out = mc.outcomes(samples(), [0.05, 0.06, 0.07])
    assert evaluate(fig("P2"), out["P2"]).ratio == 0.2
    assert evaluate(fig("P2"), out["P2"]).status == "met"
    assert evaluate(fig("P5"), out["P5"]).ratio == 0.5
    assert evaluate(fig("P4"), out["P4"]).status == "met"


def test_ps_bound_is_twice_python_startup_plus_100_ms():
    out = mc.outcomes(samples(), [0.05, 0.06, 0.07])
    result = evaluate(fig("P5b"), out["P5b"])
    assert result.goal == 2 * 0.06 + 0.1
    assert result.status == "met"


def test_podman_compose_not_run_is_reported_not_measurable():
    result = evaluate(fig("P2b"), mc.outcomes(samples(), [0.05])["P2b"])
    assert result.status.startswith("not measurable: podman-compose not run")


def test_a_failed_dockyard_cycle_carries_its_error_to_every_compose_figure():
    s = mc.ComposeSamples()
    s.errors["dockyard"] = "`dockyard up -d` exited 1: boom"
    out = mc.outcomes(s, [0.05])
    for fid in ("P2", "P3", "P4", "P5", "P5b"):
        assert evaluate(fig(fid), out[fid]).status == "not measurable: `dockyard up -d` exited 1: boom"


def test_only_missing_binaries_become_packages(monkeypatch):
    monkeypatch.setattr("bench.harness.system.have", lambda b: b == "runc")
    assert missing_packages(("runc", "dockerd", "docker-compose", "busybox")) == [
        "docker.io", "docker-compose", "busybox-static"]


def test_interleaved_timing_runs_every_command_in_each_round_in_alternating_order(monkeypatch):
    from bench.harness import timing

    calls: list[tuple[str, int, int]] = []

    def fake(argv, n, *, env=None, warmup=1):
        calls.append((argv[0], n, warmup))
        return [float(len(calls))] * n

    monkeypatch.setattr(timing, "time_command", fake)
    mine, theirs = timing.time_interleaved([(["dockyard"], None), (["docker"], None)], 12, rounds=5)
    assert [c[0] for c in calls] == ["dockyard", "docker", "docker", "dockyard"] * 2 + ["dockyard", "docker"]
    assert [c[1] for c in calls[::2]] == [3, 3, 2, 2, 2] and sum(c[1] for c in calls) == 24
    assert [c[2] for c in calls] == [1, 1] + [0] * 8  # a warm-up run each, in the first round only
    assert len(mine) == len(theirs) == 12
