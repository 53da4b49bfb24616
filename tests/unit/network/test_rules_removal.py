"""Removing a network's packet rules (``nat.remove_while``): the nft script is the same idempotent delete as
``nat.remove``, other work (deleting the bridge) runs while nft does, and failures of either are reported."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from runtime.errors import NetworkError
from runtime.network import nat


def fake_nft(tmp_path: Path, body: str) -> str:
    """An ``nft`` stand-in that copies its script to ``script.txt`` and then runs ``body`` (shell)."""
    exe = tmp_path / "nft"
    exe.write_text(f"#!/bin/sh\ncat > {tmp_path}/script.txt\n{body}\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe)


def test_the_tables_are_deleted_and_the_work_is_done(tmp_path, monkeypatch):
    monkeypatch.setattr(nat, "NFT", fake_nft(tmp_path, "exit 0"))
    done: list[str] = []
    nat.remove_while("dy-abc", lambda: done.append("bridge deleted"))
    assert done == ["bridge deleted"]
    script = (tmp_path / "script.txt").read_text()
    assert "delete table ip dy-abc" in script and "delete table ip6 dy-abc" in script


def test_the_work_runs_while_nft_still_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(nat, "NFT", fake_nft(tmp_path, f"while [ ! -e {tmp_path}/go ]; do sleep 0.01; done"))
    # nft waits for a file that only the work creates: this returns only if the two overlap
    nat.remove_while("dy-abc", lambda: (tmp_path / "go").touch())
    assert (tmp_path / "script.txt").exists()


def test_an_nft_failure_names_the_table(tmp_path, monkeypatch):
    monkeypatch.setattr(nat, "NFT", fake_nft(tmp_path, "echo 'Error: no such table' >&2; exit 1"))
    with pytest.raises(NetworkError, match="remove packet rules dy-abc: nft failed: Error: no such table"):
        nat.remove_while("dy-abc", lambda: None)


def test_a_failure_of_the_work_wins_once_nft_is_done(tmp_path, monkeypatch):
    monkeypatch.setattr(nat, "NFT", fake_nft(tmp_path, "exit 1"))

    def work() -> None:
        raise NetworkError("delete bridge dy-abc: EBUSY")

    with pytest.raises(NetworkError, match="delete bridge"):
        nat.remove_while("dy-abc", work)


def test_a_missing_nft_binary_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(nat, "NFT", str(tmp_path / "no-such-nft"))
    with pytest.raises(NetworkError, match="install Debian package nftables"):
        nat.remove_while("dy-abc", lambda: None)
