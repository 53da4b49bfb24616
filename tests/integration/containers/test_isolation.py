"""A probe inside a busybox container reports what it sees: its own namespaces, hostname, pid 1, env, identity."""

from __future__ import annotations

import os

import pytest

from runtime.spec import Namespace, NAMESPACE_KINDS, ProcessSpec, User

pytestmark = pytest.mark.root

NS_FILES = ("pid", "mnt", "uts", "ipc", "net", "cgroup")


def test_every_namespace_differs_from_the_hosts(containers):
    probe = containers.sh("for n in " + " ".join(NS_FILES) + "; do readlink /proc/self/ns/$n; done")
    assert probe.code == 0, probe.err
    seen = probe.out.split()
    host = [os.readlink(f"/proc/self/ns/{n}") for n in NS_FILES]
    assert len(seen) == len(host)
    assert all(a != b for a, b in zip(seen, host)), (seen, host)


def test_host_network_namespace_is_shared_when_asked(containers):
    ns = tuple(Namespace(k, host=(k == "net")) for k in NAMESPACE_KINDS)
    probe = containers.sh("readlink /proc/self/ns/net", namespaces=ns)
    assert probe.out.strip() == os.readlink("/proc/self/ns/net")


def test_the_command_is_pid_1_and_sees_only_its_own_processes(containers):
    probe = containers.sh("echo $$; ls /proc | grep -E '^[0-9]+$' | sort -n | tr '\\n' ' '")
    pid, *pids = probe.out.split()
    assert pid == "1"
    assert [int(p) for p in pids] == list(range(1, len(pids) + 1))  # sh, ls, grep, sort, tr: nothing of the host


def test_hostname_defaults_to_the_short_id(containers):
    spec = containers.spec("sh", "-c", "hostname; cat /etc/hostname")
    assert containers.run(spec).out.split() == [spec.id[:12], spec.id[:12]]


def test_hostname_is_set_and_etc_files_come_from_the_container_dir(containers):
    spec = containers.spec("sh", "-c", "hostname; cat /etc/hosts", hostname="web")
    probe = containers.run(spec)
    assert probe.out.splitlines()[0] == "web"
    assert "localhost" in probe.out


def test_env_path_home_and_hostname_defaults(containers):
    probe = containers.run(containers.spec("env", process_kw={"env": ("FOO=bar",)}, hostname="h1"))
    env = dict(line.split("=", 1) for line in probe.out.splitlines())
    assert env["FOO"] == "bar"
    assert env["HOSTNAME"] == "h1"
    assert env["HOME"] == "/root"
    assert env["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def test_user_by_name_gets_its_groups(containers):
    probe = containers.run(containers.spec(process=ProcessSpec(args=("id",), user=User("alice"))))
    assert probe.out.strip() == "uid=1000(alice) gid=1000(alice) groups=10(wheel),29(audio),1000(alice)"


def test_uid_gid_and_group_add(containers):
    probe = containers.run(containers.spec(process=ProcessSpec(args=("id",), user=User("1234:50", ("audio",)))))
    assert probe.out.strip() == "uid=1234 gid=50(staff) groups=29(audio),50(staff)"


def test_unknown_user_fails_the_start_with_its_name(containers):
    from runtime.errors import ContainerError

    with pytest.raises(ContainerError, match="user: unable to find user bob"):
        containers.run(containers.spec(process=ProcessSpec(args=("id",), user=User("bob"))))


def test_working_dir_is_created_when_missing(containers):
    probe = containers.run(containers.spec(process=ProcessSpec(args=("pwd",), cwd="/srv/app/data")))
    assert probe.out.strip() == "/srv/app/data"


def test_stdout_stderr_and_exit_code_pass_through(containers):
    probe = containers.sh("echo out; echo err >&2; exit 3")
    assert (probe.code, probe.out, probe.err) == (3, "out\n", "err\n")


def test_exit_time_is_recorded(containers):
    proc = containers.start(containers.spec("true"))
    proc.wait(30)
    assert proc.finished_at is not None and proc.finished_at >= proc.started_at


def test_missing_binary_fails_the_start_with_exit_127(containers):
    from runtime.process.launcher import ContainerStartError

    with pytest.raises(ContainerStartError, match='exec: "nope": executable file not found') as info:
        containers.run(containers.spec("nope"))
    assert info.value.exit_code == 127


def test_joining_another_containers_network_and_ipc_namespaces(containers, tmp_path):
    out = tmp_path / "a.out"
    first = containers.start(containers.spec("sh", "-c", "echo ready; exec sleep 60"), out)
    from tests.support.eventually import eventually

    eventually(lambda: "ready" in out.read_text())
    joined = tuple(
        Namespace(k, path=f"/proc/{first.pid}/ns/{k}") if k in ("net", "ipc") else Namespace(k)
        for k in NAMESPACE_KINDS
    )
    probe = containers.sh("for n in net ipc uts; do readlink /proc/self/ns/$n; done", namespaces=joined)
    net, ipc, uts = probe.out.split()
    assert net == os.readlink(f"/proc/{first.pid}/ns/net")
    assert ipc == os.readlink(f"/proc/{first.pid}/ns/ipc")
    assert uts != os.readlink(f"/proc/{first.pid}/ns/uts")


def test_joining_a_namespace_that_is_gone_fails_the_start(containers):
    from runtime.errors import ContainerError

    ns = tuple(Namespace(k, path="/proc/999999999/ns/net") if k == "net" else Namespace(k) for k in NAMESPACE_KINDS)
    with pytest.raises(ContainerError, match="namespaces: open /proc/999999999/ns/net: ENOENT"):
        containers.sh("true", namespaces=ns)


def test_domainname_is_set(containers):
    probe = containers.sh("cat /proc/sys/kernel/domainname", domainname="example.org")
    assert probe.out.strip() == "example.org"


def test_run_returns_the_exit_code(containers):
    from runtime.process import launcher

    assert launcher.run(containers.spec("sh", "-c", "exit 5"), stdio=(None, None, None)) == 5


def test_tty_gives_the_process_a_controlling_terminal_and_the_caller_the_master(containers):
    import errno as _errno

    spec = containers.spec(process=ProcessSpec(args=("sh", "-c", "tty; [ -t 0 ] && [ -t 1 ] && echo interactive"),
                                               terminal=True))
    proc = containers.start(spec)
    assert proc.console is not None
    chunks = []
    try:
        while True:
            try:
                data = os.read(proc.console, 4096)
            except OSError as exc:  # EIO once the last slave is closed
                assert exc.errno == _errno.EIO
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(proc.console)
    assert proc.wait(30) == 0
    assert b"".join(chunks).decode().split() == ["/dev/pts/0", "interactive"]
