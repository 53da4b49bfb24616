"""Go durations and docker sizes, as compose files and logging options spell them."""

from __future__ import annotations

import pytest

from runtime.supervise.durations import format_duration, parse_duration, parse_size
from runtime.supervise.errors import PolicyError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30.0), ("1m30s", 90.0), ("100ms", 0.1), ("2h", 7200.0), ("1.5s", 1.5), ("0", 0.0), (5, 5.0),
     ("10us", 1e-5), ("1h2m3s", 3723.0)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "abc", "10", "5x", "1m 30s", "-1s", True])
def test_parse_duration_rejects(text):
    with pytest.raises(PolicyError, match="interval"):
        parse_duration(text, what="interval")


@pytest.mark.parametrize(("text", "size"), [("10m", 10 << 20), ("1k", 1024), ("512", 512), ("2g", 2 << 30),
                                            ("1.5k", 1536), (100, 100), ("10MB", 10 << 20)])
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["ten", "0", "-1m", "1x"])
def test_parse_size_rejects(text):
    with pytest.raises(PolicyError):
        parse_size(text)


def test_format_duration():
    assert [format_duration(x) for x in (90, 0.25, 3723)] == ["1m30s", "250ms", "1h2m3s"]
