"""`ps --format` with a Go template, as scripts use it with docker compose: fields, json/upper/lower, the table
prefix with its header, tabs and newlines written as \\t and \\n; an unsupported action or unknown field is an
error before anything is printed."""

from __future__ import annotations

import pytest

from compose import gotemplate
from compose.errors import ComposeError

ROWS = [{"Name": "p-web-1", "Service": "web", "State": "running", "Publishers": [{"URL": "0.0.0.0"}]},
        {"Name": "p-db-1", "Service": "db", "State": "exited", "Publishers": []}]


def test_fields_and_functions_render_one_line_per_row():
    assert gotemplate.render("{{.Name}} {{upper .State}}", ROWS) == "p-web-1 RUNNING\np-db-1 EXITED\n"
    assert gotemplate.render("{{json .Publishers}}", ROWS) == '[{"URL":"0.0.0.0"}]\n[]\n'
    assert gotemplate.render("{{.Service}}\\t{{lower .Name}}", ROWS[:1]) == "web\tp-web-1\n"
    assert gotemplate.render("{{json .}}", ROWS[1:]) == \
        '{"Name":"p-db-1","Service":"db","State":"exited","Publishers":[]}\n'


def test_the_table_prefix_adds_a_header_and_aligns_columns_as_docker_does():
    assert gotemplate.render("table {{.Name}}\\t{{.State}}\\t{{.Service}}", ROWS) == (
        "NAME      STATE     SERVICE\n"
        "p-web-1   running   web\n"
        "p-db-1    exited    db\n")
    assert gotemplate.render("table {{.Name}}", []) == "NAME\n"


@pytest.mark.parametrize("fmt, message", [
    ("{{.Nope}}", "there is no field 'Nope'"),
    ("{{range .}}x{{end}}", "{{range .}} is not supported"),
    ("{{printf \"%s\" .Name}}", "is not supported"),
])
def test_what_is_not_supported_is_named(fmt, message):
    with pytest.raises(ComposeError, match=message.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
        gotemplate.render(fmt, ROWS)


def test_ps_takes_a_template_through_the_cli(dy):
    assert dy("up", "-d").exit_code == 0
    result = dy("ps", "--format", "{{.Service}}:{{.State}}")
    assert result.exit_code == 0, result.output
    assert result.stdout == "db:running\nweb:running\n"
    bad = dy("ps", "--format", "{{.Nope}}")
    assert bad.exit_code == 1 and "there is no field 'Nope'" in bad.stderr and bad.stdout == ""
