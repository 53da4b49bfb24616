"""``config --variables``: names with their required flag, default and alternate values, read before
interpolation (nested operands too, ``$$`` skipped), and the table/JSON docker compose prints."""

from __future__ import annotations

from compose.loader.variables import Variable, as_json, extract, table


def test_each_operator_gives_what_it_says():
    data = {"services": {"web": {
        "image": "app:${TAG:-latest}",
        "ports": ["${PORT-8080}:80"],
        "environment": {"A": "${SECRET:?set SECRET}", "B": "${DEBUG:+--debug}", "C": "$PLAIN", "D": "${BRACED}",
                        "E": "$${NOT_A_VAR} costs $$5"},
        "command": ["${OUTER:-${INNER:-x}}"],
    }}}
    assert extract(data) == {
        "BRACED": Variable("BRACED"), "DEBUG": Variable("DEBUG", alternate="--debug"),
        "INNER": Variable("INNER", default="x"), "OUTER": Variable("OUTER", default="${INNER:-x}"),
        "PLAIN": Variable("PLAIN"), "PORT": Variable("PORT", default="8080"),
        "SECRET": Variable("SECRET", required=True), "TAG": Variable("TAG", default="latest"),
    }


def test_keys_are_not_scanned_and_uses_merge():
    data = {"${KEY}": "x", "a": ["${V:-one}", "${V:?needed}", "${V:-two}"]}
    assert extract(data) == {"V": Variable("V", required=True, default="one")}


def test_an_invalid_expression_is_skipped_not_raised():
    assert extract({"a": "${} ${ x} ${ok"}) == {}


def test_table_and_json_as_docker_compose_prints_them():
    found = {"PORT": Variable("PORT", default="8080"), "TOKEN": Variable("TOKEN", required=True)}
    assert table(found) == ("NAME    REQUIRED   DEFAULT VALUE   ALTERNATE VALUE\n"
                            "PORT    false      8080\n"
                            "TOKEN   true\n")
    assert as_json(found)["PORT"] == {"Name": "PORT", "DefaultValue": "8080", "PresenceValue": "", "Required": False}
