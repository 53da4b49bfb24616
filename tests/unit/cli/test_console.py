"""What the console writes: prefixed coloured output, progress lines, tables."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from compose.attach import Exited, Line, parse_since
from compose.console import Console
from compose.events import Event


def line(prefix: str, text: str) -> Line:
    return Line(prefix, prefix.rsplit("-", 1)[0], f"p-{prefix}", "2026-01-01T00:00:00.000000001Z", "stdout", text)


def test_prefixes_are_padded_to_the_widest_name():
    out = io.StringIO()
    console = Console(ansi="never", out=out)
    console.set_prefix_width(["db-1", "web-10"])
    console.log_line(line("db-1", "ready"))
    console.log_line(line("web-10", "up"))
    assert out.getvalue() == "db-1    | ready\nweb-10  | up\n"


def test_each_container_gets_its_own_colour_when_colour_is_on():
    out = io.StringIO()
    console = Console(ansi="always", out=out)
    console.log_line(line("a-1", "x"))
    console.log_line(line("b-1", "y"))
    first, second = out.getvalue().splitlines()
    assert first.startswith("\x1b[36m") and second.startswith("\x1b[33m")


def test_no_color_wins_over_ansi_always():
    out = io.StringIO()
    Console(ansi="always", out=out, no_color=True).log_line(line("a-1", "x"))
    assert "\x1b" not in out.getvalue()


def test_timestamps_and_no_prefix():
    out = io.StringIO()
    Console(ansi="never", out=out).log_line(line("a-1", "x"), prefix=False, timestamps=True)
    assert out.getvalue() == "2026-01-01T00:00:00.000000001Z x\n"


def test_exit_notice():
    out = io.StringIO()
    Console(ansi="never", out=out).exited(Exited("web-1", "web", "p-web-1", 3))
    assert out.getvalue() == "web-1 exited with code 3\n"


def test_events_go_to_stderr_one_line_each():
    err = io.StringIO()
    console = Console(ansi="never", err=err)
    console.event(Event("container", "p-web-1", "Started"))
    console.event(Event("container", "p-db-1", "Error", "exec /x: ENOENT", error=True))
    assert err.getvalue() == " Container p-web-1  Started\n Container p-db-1  Error: exec /x: ENOENT\n"


def test_since_accepts_durations_epoch_seconds_and_timestamps():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_since("42m", now) == now - timedelta(minutes=42)
    assert parse_since("1700000000") == 1700000000.0
    assert parse_since("2026-01-01T10:00:00Z") == "2026-01-01T10:00:00Z"
    assert parse_since(None) is None


def _build_events():
    from runtime import BuildEvent

    return [BuildEvent("step", "", 1, 2, 1, "FROM scratch"), BuildEvent("step", "", 2, 2, 2, "RUN make"),
            BuildEvent("output", "", 2, 2, 2, "compiling"), BuildEvent("done", "", 2, 2, 2, "RUN make", seconds=1.25),
            BuildEvent("image", text="sha256:abc")]


def test_build_progress_without_a_terminal_is_plain_lines():
    err = io.StringIO()
    with Console(ansi="never", out=io.StringIO(), err=err).builds() as shown:
        for event in _build_events():
            shown.step("web", event)
    assert err.getvalue() == ("[web 1/2] FROM scratch\n[web 2/2] RUN make\n[web 2/2] | compiling\n"
                              "[web 2/2] DONE 1.2s\n[web] image sha256:abc\n")


def test_build_progress_on_a_terminal_keeps_the_step_output_and_the_result():
    err = io.StringIO()
    with Console(ansi="always", out=io.StringIO(), err=err).builds() as shown:
        for event in _build_events():
            shown.step("web", event)
        shown.event(Event("image", "p-web", "Built"))
    text = err.getvalue()
    assert "[web 2/2] | compiling" in text and "[web] image sha256:abc" in text and "Image p-web  Built" in text
