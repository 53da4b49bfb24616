"""The store records when each reference was pulled; ``registries.json`` lists plain-HTTP registries."""

from __future__ import annotations

import json
import time

import pytest

from runtime.errors import ImageError
from runtime.images.registry import configured_insecure, is_insecure
from runtime.images.service import ImageService
from tests.support.fake_registry import FakeRegistry
from tests.support.images import Entry, Layout, tar_bytes


@pytest.fixture
def fake():
    server = FakeRegistry()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def built(tmp_path, fake):
    layout = Layout(tmp_path / "layout")
    image = layout.image([tar_bytes([Entry("etc", "dir"), Entry("etc/one", data=b"1")])], compression="gzip")
    fake.add_image("app", "v1", layout, image)
    return image


def test_a_pull_records_its_time_per_reference(tmp_path, fake, built):
    svc = ImageService(tmp_path / "root")
    ref = f"{fake.host}/app:v1"
    assert svc.pulled_at(ref) is None
    before = time.time()
    svc.pull(ref)
    first = svc.pulled_at(ref)
    assert first is not None and before <= first <= time.time()
    index = json.loads((tmp_path / "root" / "images" / "index.json").read_text())
    assert index["pulled"] == {ref: first}
    svc.pull(ref)
    assert svc.pulled_at(ref) >= first


def test_index_files_without_pull_times_fall_back_to_when_the_image_was_added(tmp_path, fake, built):
    svc = ImageService(tmp_path / "root")
    ref = f"{fake.host}/app:v1"
    svc.pull(ref)
    index_path = tmp_path / "root" / "images" / "index.json"
    index = json.loads(index_path.read_text())
    del index["pulled"]
    index["images"][built.config_digest]["added"] = 1_000.0
    index_path.write_text(json.dumps(index))
    assert svc.pulled_at(ref) == 1_000.0
    assert svc.has(ref) and svc.get(ref).id == built.config_digest


def test_registries_json_lists_insecure_registries(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCKYARD_INSECURE_REGISTRIES", raising=False)
    root = tmp_path / "root"
    root.mkdir()
    assert configured_insecure(root) == frozenset()
    (root / "registries.json").write_text(json.dumps({"insecure": ["reg.example:5000", "plain.example"]}))
    assert configured_insecure(root) == {"reg.example:5000", "plain.example"}
    assert is_insecure("reg.example:5000", root) and is_insecure("plain.example:8080", root)
    assert not is_insecure("reg.example:6000", root) and not is_insecure("other.example", root)
    assert ImageService(root).client("reg.example:5000").base == "http://reg.example:5000"
    assert ImageService(root).client("other.example").base == "https://other.example"


def test_registries_json_defaults_to_dockyard_root(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCKYARD_INSECURE_REGISTRIES", raising=False)
    monkeypatch.setenv("DOCKYARD_ROOT", str(tmp_path))
    (tmp_path / "registries.json").write_text('{"insecure": ["reg.example:5000"]}')
    assert is_insecure("reg.example:5000")


@pytest.mark.parametrize("text", ["{not json", '{"insecure": "reg.example:5000"}', '{"insecure": [5000]}'])
def test_a_malformed_registries_json_is_an_error_naming_the_file(tmp_path, text):
    (tmp_path / "registries.json").write_text(text)
    with pytest.raises(ImageError, match=r"registries\.json.*insecure"):
        configured_insecure(tmp_path)
