"""Image config effects of each instruction (the OCI ``config`` section) and the history they leave."""

from __future__ import annotations

import pytest

from runtime.images.buildplan import BaseImage, plan_build
from runtime.images.dockerfile import DockerfileError

DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def config_of(text: str, tmp_path, **kwargs) -> dict:
    return dict(plan_build(text, context_dir=tmp_path, build_args={}, **kwargs).target.config)


def test_scratch_starts_with_the_default_path(tmp_path):
    assert config_of("FROM scratch\n", tmp_path) == {"Env": [DEFAULT_PATH]}


def test_env_replaces_in_place_and_appends(tmp_path):
    env = config_of("FROM scratch\nENV A=1 B=2\nENV PATH=/opt/bin:$PATH A=3\n", tmp_path)["Env"]
    assert env == [f"PATH=/opt/bin:{DEFAULT_PATH[5:]}", "A=3", "B=2"]


def test_cmd_and_entrypoint_forms(tmp_path):
    cfg = config_of('FROM a\nCMD echo hi\nENTRYPOINT ["/init"]\n', tmp_path)
    assert cfg["Cmd"] == ["/bin/sh", "-c", "echo hi"] and cfg["Entrypoint"] == ["/init"]


def test_entrypoint_clears_a_cmd_inherited_from_the_base(tmp_path):
    base = BaseImage({"config": {"Cmd": ["python3"], "Env": ["A=1"]}})
    cfg = config_of('FROM py\nENTRYPOINT ["/init"]\n', tmp_path, base_images={"py": base})
    assert "Cmd" not in cfg and cfg["Env"] == ["A=1"]


def test_shell_changes_shell_forms_after_it(tmp_path):
    p = plan_build('FROM a\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN a | b\nCMD serve\n',
                   context_dir=tmp_path, build_args={})
    assert p.target.steps[1].argv == ("/bin/bash", "-o", "pipefail", "-c", "a | b")
    assert p.target.config["Cmd"] == ["/bin/bash", "-o", "pipefail", "-c", "serve"]
    assert p.target.config["Shell"] == ["/bin/bash", "-o", "pipefail", "-c"]


def test_user_workdir_stopsignal_volume_expose_label(tmp_path):
    cfg = config_of("FROM a\nARG PORT=8000\nUSER app:app\nWORKDIR /srv\nSTOPSIGNAL SIGQUIT\nVOLUME /data /logs\n"
                    "EXPOSE $PORT 53/udp 7000-7001\nLABEL org.opencontainers.image.title=\"My app\" a=b\n",
                    tmp_path)
    assert cfg["User"] == "app:app" and cfg["WorkingDir"] == "/srv" and cfg["StopSignal"] == "SIGQUIT"
    assert cfg["Volumes"] == {"/data": {}, "/logs": {}}
    assert cfg["ExposedPorts"] == {"8000/tcp": {}, "53/udp": {}, "7000/tcp": {}, "7001/tcp": {}}
    assert cfg["Labels"] == {"org.opencontainers.image.title": "My app", "a": "b"}


def test_healthcheck_in_nanoseconds(tmp_path):
    cfg = config_of("FROM a\nHEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --retries=3 "
                    "CMD curl -f http://localhost/ || exit 1\n", tmp_path)
    assert cfg["Healthcheck"] == {"Test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                                  "Interval": 90_000_000_000, "Timeout": 500_000_000,
                                  "StartPeriod": 2_000_000_000, "Retries": 3}
    assert config_of('FROM a\nHEALTHCHECK CMD ["/check", "-q"]\n', tmp_path)["Healthcheck"] == \
        {"Test": ["CMD", "/check", "-q"]}
    assert config_of("FROM a\nHEALTHCHECK NONE\n", tmp_path)["Healthcheck"] == {"Test": ["NONE"]}


@pytest.mark.parametrize("line, message", [
    ("HEALTHCHECK --interval=10 CMD x", "invalid duration '10'"),
    ("HEALTHCHECK --interval=10us CMD x", "cannot be less than 1ms"),
    ("EXPOSE 80/http", "invalid protocol 'http'"),
    ("EXPOSE 8080:80", "host port"),
    ("STOPSIGNAL SIGNOPE", "unknown signal"),
])
def test_invalid_config_values_name_the_line(tmp_path, line, message):
    with pytest.raises(DockerfileError, match=f"Dockerfile:2: .*{message}"):
        config_of(f"FROM a\n{line}\n", tmp_path)


def test_onbuild_is_recorded_in_the_config(tmp_path):
    cfg = config_of("FROM a\nONBUILD COPY . /app\nONBUILD RUN make\n", tmp_path)
    assert cfg["OnBuild"] == ["COPY . /app", "RUN make"]


def test_onbuild_triggers_of_a_base_image_run_first_and_are_not_inherited(context):
    root = context({"src.c": ""})
    base = BaseImage({"config": {"OnBuild": ["COPY . /app", "RUN make"], "Env": ["A=1"]}},
                     digest="sha256:" + "1" * 64)
    p = plan_build("FROM builder-base\nRUN echo done\n", context_dir=root, build_args={},
                   base_images={"builder-base": base})
    assert [(s.text, s.trigger) for s in p.target.steps] == [("COPY . /app", True), ("RUN make", True),
                                                            ("RUN echo done", False)]
    assert "OnBuild" not in p.target.config


def test_onbuild_triggers_of_a_stage_apply_to_stages_built_on_it(tmp_path):
    p = plan_build("FROM a AS base\nONBUILD RUN echo triggered\nFROM base\nRUN echo own\n", context_dir=tmp_path,
                   build_args={})
    assert [s.text for s in p.target.steps] == ["RUN echo triggered", "RUN echo own"]


def test_history_marks_config_only_steps_as_empty_layers(tmp_path):
    base = BaseImage({"config": {}, "history": [{"created_by": "base layer"}]})
    p = plan_build("FROM b\nENV A=1\nRUN make\n", context_dir=tmp_path, build_args={}, base_images={"b": base})
    history = p.image_config()["history"]
    assert [h["created_by"] for h in history] == ["base layer", "ENV A=1", "RUN /bin/sh -c make # buildkit"]
    assert [h.get("empty_layer", False) for h in history] == [False, True, False]


def test_image_config_has_platform_and_author(tmp_path):
    image = plan_build("FROM a\nMAINTAINER Jane <j@x>\n", context_dir=tmp_path, build_args={},
                       platform="linux/arm64/v8").image_config()
    assert (image["os"], image["architecture"], image["variant"], image["author"]) == \
        ("linux", "arm64", "v8", "Jane <j@x>")


def test_stage_inherits_the_config_of_the_stage_it_is_built_on(tmp_path):
    cfg = config_of("FROM a AS base\nENV A=1\nWORKDIR /w\nUSER app\nFROM base\nENV B=2\n", tmp_path)
    assert cfg["WorkingDir"] == "/w" and cfg["User"] == "app" and cfg["Env"][-2:] == ["A=1", "B=2"]
