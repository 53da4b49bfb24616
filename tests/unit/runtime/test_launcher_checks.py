"""What the launcher refuses or prepares before any fork (no root needed)."""

from __future__ import annotations

import json

import pytest

from runtime.errors import ContainerError
from runtime.process import launcher
from runtime.spec import (
    NAMESPACE_KINDS,
    ContainerSpec,
    Mount,
    Namespace,
    ProcessSpec,
    RootfsSpec,
)


def _spec(tmp_path, **kw) -> ContainerSpec:
    process = kw.pop("process", ProcessSpec(args=("true",)))
    layers = kw.pop("layers", (str(tmp_path),))
    return ContainerSpec(id="0123456789abcdef", rootfs=RootfsSpec(layers, str(tmp_path / "c")), process=process, **kw)


def test_container_dir_gets_upper_work_rootfs_and_etc_files(tmp_path):
    spec = _spec(tmp_path, hostname="web")
    launcher.prepare_container_dir(spec)
    cdir = tmp_path / "c"
    assert all((cdir / d).is_dir() for d in ("upper", "work", "rootfs"))
    assert (cdir / "hostname").read_text() == "web\n"
    assert "localhost" in (cdir / "hosts").read_text()
    assert (cdir / "resolv.conf").exists()


def test_etc_files_written_by_the_caller_are_kept(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "hosts").write_text("10.0.0.2 db\n")
    launcher.prepare_container_dir(_spec(tmp_path))
    assert (tmp_path / "c" / "hosts").read_text() == "10.0.0.2 db\n"


def test_init_in_a_joined_pid_namespace_registers_as_subreaper(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKYARD_INIT", "/bin/sh")  # any existing file stands in for tini here
    ns = tuple(Namespace(k, path="/proc/1/ns/pid") if k == "pid" else Namespace(k) for k in NAMESPACE_KINDS)
    spec = launcher.with_init_binary(_spec(tmp_path, namespaces=ns, init=True))
    assert spec.process.args[:3] == (launcher.INIT_DEST, "-s", "--")


def test_missing_bind_source_is_refused_and_create_host_path_creates_it(tmp_path):
    with pytest.raises(ContainerError, match="bind source .*nope does not exist"):
        launcher._checked_parts(_spec(tmp_path, mounts=(Mount("bind", "/x", str(tmp_path / "nope")),)))
    made = Mount("bind", "/x", str(tmp_path / "made"), create_host_path=True)
    launcher._checked_parts(_spec(tmp_path, mounts=(made,)))
    assert (tmp_path / "made").is_dir()


def test_child_report_becomes_a_typed_error_with_dockers_exit_code():
    report = json.dumps({"step": "exec", "message": 'exec: "nope": executable file not found in $PATH', "errno": 2})
    err = launcher.start_error("0123456789abcdef", report.encode(), 127)
    assert isinstance(err, ContainerError)
    assert (err.step, err.errno, err.exit_code) == ("exec", 2, 127)
    assert str(err) == 'start container 0123456789ab: exec: exec: "nope": executable file not found in $PATH'


def test_init_true_runs_the_command_under_a_read_only_bound_init_binary(tmp_path, monkeypatch):
    binary = tmp_path / "tini-static"
    binary.write_text("")
    monkeypatch.setenv("DOCKYARD_INIT", str(binary))
    spec = launcher.with_init_binary(_spec(tmp_path, init=True, process=ProcessSpec(args=("nginx", "-g", "x"))))
    assert spec.process.args == ("/sbin/docker-init", "--", "nginx", "-g", "x")
    assert spec.mounts == (Mount("bind", "/sbin/docker-init", str(binary), readonly=True),)
    assert not spec.init


def test_init_true_without_a_binary_keeps_the_builtin_init(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKYARD_INIT", str(tmp_path / "missing"))
    spec = _spec(tmp_path, init=True)
    assert launcher.with_init_binary(spec) == spec


def test_init_false_is_left_alone(tmp_path):
    spec = _spec(tmp_path)
    assert launcher.with_init_binary(spec) is spec


def test_a_missing_layer_dir_is_named(tmp_path):
    with pytest.raises(ContainerError, match="rootfs: layer dir.* missing.*nope"):
        launcher._checked_parts(_spec(tmp_path, layers=(str(tmp_path), str(tmp_path / "nope"))))
