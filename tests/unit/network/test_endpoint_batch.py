"""Endpoint changes of many threads to one network record (``batch.apply``): every change lands, each thread
gets its own result or its own error, and a change that fails leaves the others' in place."""

from __future__ import annotations

import threading

from runtime.errors import NetworkError
from runtime.network import batch, store
from tests.support.eventually import eventually


def network(root, name="p_default") -> None:
    store.write(root, {"name": name, "endpoints": {}})


def add(key: str):  # noqa: ANN201 - a change
    def change(rec):  # noqa: ANN001, ANN202
        rec["endpoints"][key] = {"ip": key}
        return f"added {key}", True
    return change


def test_parallel_changes_all_land_and_each_caller_gets_its_result(tmp_path):
    network(tmp_path)
    results: dict[str, str] = {}

    def worker(key: str) -> None:
        results[key] = batch.apply(tmp_path, "p_default", add(key))

    threads = [threading.Thread(target=worker, args=(f"c{i}",)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {f"c{i}": f"added c{i}" for i in range(20)}
    assert sorted(store.read(tmp_path, "p_default")["endpoints"]) == sorted(results)


def test_a_failing_change_raises_in_its_own_caller_and_the_rest_of_its_batch_is_written(tmp_path):
    network(tmp_path)
    entered, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def slow(rec):  # noqa: ANN001, ANN202 - holds the first batch while the next two queue up behind it
        entered.set()
        release.wait(5)
        return "slow", False

    def bad(rec):  # noqa: ANN001, ANN202
        rec["endpoints"]["half"] = {}
        del rec["endpoints"]["half"]  # undone before failing, as changes must
        raise NetworkError("no address left")

    def run(name: str, change) -> None:  # noqa: ANN001
        try:
            outcome[name] = batch.apply(tmp_path, "p_default", change)
        except NetworkError as exc:
            outcome[name] = exc

    first = threading.Thread(target=run, args=("slow", slow))
    first.start()
    assert entered.wait(5)
    others = [threading.Thread(target=run, args=("bad", bad)), threading.Thread(target=run, args=("good", add("g")))]
    for t in others:
        t.start()
    eventually(lambda: len(batch._holds._queues.get(f"{tmp_path}\0p_default", [])) == 2)
    release.set()
    for t in [first, *others]:
        t.join()
    assert outcome["slow"] == "slow" and outcome["good"] == "added g"
    assert isinstance(outcome["bad"], NetworkError)
    assert store.read(tmp_path, "p_default")["endpoints"] == {"g": {"ip": "g"}}


def test_a_missing_network_is_handed_to_the_change_as_none_and_nothing_is_written(tmp_path):
    assert batch.apply(tmp_path, "gone", lambda rec: (rec, True)) is None
    assert store.read(tmp_path, "gone") is None
