"""The schema stage: which compose documents pass, and what the error says and points at when one does not."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest

from compose.errors import SchemaError
from compose.loader.files import read_yaml
from compose.loader.schema import is_valid, port_problem, validate
from compose.loader.schema_compile import compile_schema


def _load(text: str) -> tuple[Any, Any]:
    (document,) = read_yaml(textwrap.dedent(text), "compose.yaml")
    return document.data, document.marks


def _error(text: str) -> SchemaError:
    data, marks = _load(text)
    with pytest.raises(SchemaError) as caught:
        validate(data, marks)
    return caught.value


def _accepts(text: str) -> bool:
    data, marks = _load(text)
    try:
        validate(data, marks)
    except SchemaError:
        return False
    return True


# ------------------------------------------------------------------------------------------ accepted documents


def test_short_syntaxes_validate_before_canonicalisation():
    assert _accepts(
        """
        name: shop
        services:
          web:
            build: ./web
            command: python app.py
            ports: ["8080:80", 9000, "127.0.0.1::53/udp"]
            volumes: ["./data:/data:ro", "cache:/cache"]
            environment: [DEBUG=1, "MODE=dev"]
            depends_on: [db]
            networks: [front]
            healthcheck: {test: "curl -f localhost", interval: 5s}
            extra_hosts: ["gw:10.0.0.1"]
            ulimits: {nofile: 1024}
          db:
            image: postgres:16
            environment: {POSTGRES_PASSWORD: secret, PORT: 5432, DEBUG: true, EMPTY: null}
            networks: {front: null, back: {aliases: [database]}}
        networks: {front: {}, back: null}
        volumes: {cache: null}
        """
    )


def test_long_syntaxes_validate():
    assert _accepts(
        """
        services:
          web:
            image: nginx
            ports: [{target: 80, published: "8080", protocol: tcp}]
            volumes: [{type: bind, source: ./site, target: /usr/share/nginx/html, read_only: true}]
            depends_on: {db: {condition: service_healthy, restart: true}}
            deploy: {replicas: 2, resources: {limits: {cpus: "0.5", memory: 64M}}}
            secrets: [{source: token, target: /run/secrets/token, mode: 0440}]
          db: {image: postgres}
        secrets: {token: {file: ./token.txt}}
        """
    )


def test_interpolated_values_arrive_as_strings_and_are_accepted_for_numbers_and_booleans():
    assert _accepts(
        """
        services:
          web:
            image: nginx
            cpus: "0.5"
            scale: "2"
            privileged: "true"
            mem_limit: 1g
            healthcheck: {retries: "3"}
        """
    )


def test_obsolete_version_is_still_accepted():
    assert _accepts("version: '3.8'\nservices: {web: {image: nginx}}\n")


def test_x_extensions_are_allowed_at_the_top_level_in_services_and_in_long_syntax_entries():
    assert _accepts(
        """
        x-common: &common {restart: always}
        services:
          web:
            image: nginx
            x-team: payments
            ports: [{target: 80, x-note: public}]
            depends_on: {db: {condition: service_started, x-why: data}}
          db: {image: postgres}
        networks: {front: {x-owner: ops}}
        """
    )


def test_x_extensions_are_refused_where_the_reference_schema_refuses_them():
    error = _error("services: {web: {image: nginx, blkio_config: {x-note: 1}}}\n")
    assert error.path == "services.web.blkio_config"
    assert "'x-note'" in error.message


# ------------------------------------------------------------------------------------------ unknown keys


def test_unknown_service_key_names_the_key_and_suggests_the_near_miss():
    error = _error(
        """
        services:
          web:
            imagee: nginx
        """
    )
    assert error.path == "services.web"
    assert error.message == "additional property 'imagee' is not allowed"
    assert error.hint == "did you mean 'image'?"
    assert str(error) == "compose.yaml:4:13 services.web: additional property 'imagee' is not allowed: did you mean 'image'?"


def test_suggestions_ignore_case():
    assert _error("services: {web: {image: nginx, DNS: 8.8.8.8}}\n").hint == "did you mean 'dns'?"


def test_unknown_top_level_key_suggests_the_section_or_an_x_prefix():
    assert _error("servces: {web: {image: nginx}}\n").hint == "did you mean 'services'?"
    error = _error("app: {image: nginx}\n")
    assert error.message == "additional property 'app' is not allowed at the top level"
    assert "custom keys must start with 'x-'" in error.hint


def test_invalid_service_name_is_reported_as_a_name():
    error = _error("services: {'my web': {image: nginx}}\n")
    assert error.path == "services"
    assert error.message == "invalid service name 'my web'"
    assert "letters, digits" in error.hint


# ------------------------------------------------------------------------------------------ wrong types and values


def test_wrong_type_says_what_was_expected_and_what_was_found():
    error = _error("services: {web: {image: [nginx]}}\n")
    assert error.path == "services.web.image"
    assert error.message == "must be a string, not a list"


def test_a_number_where_a_string_is_needed_suggests_quoting():
    error = _error("services: {web: {image: nginx, user: 1000}}\n")
    assert error.message == "must be a string, not a number (1000)"
    assert error.hint == "quote the value: '1000'"


def test_a_service_must_be_a_mapping():
    error = _error("services: {web: nginx}\n")
    assert error.path == "services.web"
    assert error.message == "must be a mapping, not a string ('nginx')"


def test_depends_on_condition_must_be_one_of_the_three_and_suggests_the_closest():
    error = _error("services: {web: {image: a, depends_on: {db: {condition: service_health}}}, db: {image: b}}\n")
    assert error.path == "services.web.depends_on.db.condition"
    assert error.message == (
        "'service_health' is not one of service_started, service_healthy, service_completed_successfully"
    )
    assert error.hint == "did you mean 'service_healthy'?"


def test_depends_on_long_form_needs_a_condition():
    error = _error("services: {web: {image: a, depends_on: {db: {restart: true}}}, db: {image: b}}\n")
    assert error.path == "services.web.depends_on.db"
    assert error.message == "missing required property 'condition'"
    assert "service_healthy" in error.hint


def test_duplicate_list_entries_are_named():
    error = _error("services: {web: {image: a, cap_add: [NET_ADMIN, NET_ADMIN]}}\n")
    assert error.path == "services.web.cap_add"
    assert error.message == "'NET_ADMIN' is listed more than once"


def test_numbers_out_of_range_give_the_bound():
    error = _error("services: {web: {image: a, oom_score_adj: 2000}}\n")
    assert error.message == "2000 is out of range"
    assert error.hint == "use a value at most 1000"


def test_gpus_is_all_or_a_list():
    assert _accepts("services: {web: {image: a, gpus: all}}\n")
    error = _error("services: {web: {image: a, gpus: some}}\n")
    assert error.message == "must be 'all' or a list, not a string ('some')"


def test_pull_policy_names_the_accepted_policies():
    error = _error("services: {web: {image: a, pull_policy: sometimes}}\n")
    assert error.message == "'sometimes' is not a valid pull policy"
    assert "every_<duration>" in error.hint


def test_non_string_keys_are_refused():
    with pytest.raises(SchemaError) as caught:
        validate({"services": {"web": {"image": "a", "environment": {1: "x"}}}}, {})
    assert caught.value.path == "services.web.environment"
    assert caught.value.message == "non-string key 1"


def test_a_document_that_is_not_a_mapping_is_refused():
    with pytest.raises(SchemaError, match="the compose document must be a mapping, not a list"):
        validate([], {})


# ------------------------------------------------------------------------------------------ ports


def test_bad_port_names_the_item_and_the_reason_and_shows_the_syntax():
    error = _error(
        """
        services:
          web:
            image: nginx
            ports:
              - "8080:80"
              - "80:80:80"
        """
    )
    assert error.path == "services.web.ports[1]"
    assert error.message == '"80:80:80" is not a valid port: \'80\' is not an IP address'
    assert "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]" in error.hint
    assert (error.mark.line, error.mark.column) == (7, 9)


@pytest.mark.parametrize(
    "spec",
    ["80", "8080:80", "127.0.0.1:8080:80", "127.0.0.1::80", "[::1]:8080:80", "::1:8080:80", "8000-8010:8000-8010",
     "9000-9001:80", "53:53/udp", "80/TCP", "0.0.0.0:3000:3000/sctp"],
)
def test_valid_port_strings(spec):
    assert port_problem(spec) is None


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("80:80:80", "'80' is not an IP address"),
        ("8080:80/icmp", "unknown protocol 'icmp'"),
        ("http:80", "host port 'http' is not a number or range"),
        ("8080:", "no container port"),
        ("70000:80", "'70000' is not a port or range"),
        ("8000-8002:80-81", "differ in size"),
    ],
)
def test_invalid_port_strings(spec, reason):
    assert reason in port_problem(spec)


def test_unexpanded_variables_in_ports_are_left_to_interpolation():
    assert _accepts("services: {web: {image: a, ports: ['${PORT}:80']}}\n")


# ------------------------------------------------------------------------------------------ locating


def test_mark_points_at_the_offending_line():
    error = _error(
        """
        services:
          web:
            image: nginx
            healthcheck:
              test: [CMD, "true"]
              interval: 5
        """
    )
    assert error.path == "services.web.healthcheck.interval"
    assert error.mark.line == 7


def test_the_first_problem_in_the_file_is_reported():
    error = _error(
        """
        services:
          a:
            image: nginx
            restart: [always]
          b:
            imagee: nginx
        """
    )
    assert error.path == "services.a.restart"
    assert error.mark.line == 5


def test_is_valid_gives_just_the_verdict():
    assert is_valid({"services": {"web": {"image": "nginx"}}})
    assert not is_valid({"services": {"web": {"image": 1}}})


def test_an_unknown_key_is_ordered_by_its_own_line():
    error = _error(
        """
        services:
          a:
            image: nginx
            x-fine: 1
            labels: {a: b}
            restart: always
            imagee: nginx
          b:
            image: [nginx]
        """
    )
    assert error.path == "services.a"
    assert error.mark.line == 8


def test_a_valid_file_is_checked_without_importing_jsonschema():
    script = (
        "import sys\n"
        "from compose.loader.schema import validate\n"
        "validate({'services': {'web': {'image': 'nginx', 'ports': ['80:80']}}}, {})\n"
        "print('jsonschema' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


# ------------------------------------------------------------------------------------------ the compiled check


def test_compiled_check_refuses_keywords_it_does_not_implement():
    with pytest.raises(ValueError, match="oneOf"):
        compile_schema({"oneOf": [{"type": "string"}]})


def test_compiled_check_follows_json_equality_for_unique_items_and_enums():
    unique = compile_schema({"type": "array", "uniqueItems": True})
    assert unique([1, True])
    assert not unique([1, 1.0])
    assert not unique([{"a": [1]}, {"a": [1]}])
    assert not compile_schema({"enum": [1]})(True)


def test_compiled_check_treats_whole_floats_as_integers_and_booleans_as_non_numbers():
    integer = compile_schema({"type": "integer", "minimum": 0})
    assert integer(2.0)
    assert not integer(2.5)
    assert not integer(True)
    assert not integer(-1)
