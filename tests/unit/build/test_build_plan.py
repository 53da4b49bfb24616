"""The build plan: ARG/ENV scoping and substitution, stage selection, steps, and what each step needs."""

from __future__ import annotations

import pytest

from runtime.images.buildplan import plan_build
from runtime.images.dockerfile import DockerfileError


def plan(text: str, root, **kwargs):
    kwargs.setdefault("build_args", {})
    return plan_build(text, context_dir=root, build_platform="linux/amd64", **kwargs)


def step_texts(stage) -> list[str]:
    return [s.text for s in stage.steps]


def test_global_arg_is_usable_in_from_but_not_inside_a_stage(tmp_path):
    p = plan("ARG BASE=alpine:3.19\nFROM ${BASE}\nLABEL base=${BASE}-x\n", tmp_path)
    assert p.target.base == "alpine:3.19"
    assert p.target.config["Labels"] == {"base": "-x"}


def test_redeclared_global_arg_takes_the_global_value(tmp_path):
    p = plan("ARG V=1.0\nFROM a\nARG V\nLABEL v=$V\n", tmp_path)
    assert p.target.config["Labels"] == {"v": "1.0"}


def test_build_args_override_defaults_in_both_scopes(tmp_path):
    p = plan("ARG V=1.0\nFROM a:$V\nARG V\nARG W=x\nENV W=$W V=$V\n", tmp_path, build_args={"V": "2", "W": "y"})
    assert p.target.base == "a:2"
    assert p.target.config["Env"][-2:] == ["W=y", "V=2"]


def test_unused_build_args_are_reported(tmp_path):
    p = plan("FROM a\nARG USED\n", tmp_path, build_args={"USED": "1", "TYPO": "2", "HTTP_PROXY": "http://p"})
    assert p.unused_build_args == ("TYPO",)


def test_env_wins_over_arg_of_the_same_name(tmp_path):
    p = plan("FROM a\nARG X=from-arg\nENV X=from-env\nLABEL x=$X\n", tmp_path, build_args={"X": "cli"})
    assert p.target.config["Labels"] == {"x": "from-env"}


def test_env_value_forms(tmp_path):
    p = plan('FROM a\nENV A=1 B="two words" C=\'$A\' D=${A}x\nENV E $A and more\n', tmp_path)
    env = p.target.config["Env"]
    assert env[1:] == ["A=1", "B=two words", "C=$A", "D=x", "E=1 and more"]


def test_one_env_instruction_sees_the_values_from_before_it(tmp_path):
    p = plan("FROM a\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$abc\n", tmp_path)
    assert p.target.config["Env"][1:] == ["abc=bye", "def=hello", "ghi=bye"]


def test_platform_args_are_automatic_in_from_and_need_declaring_in_a_stage(tmp_path):
    text = "FROM --platform=$BUILDPLATFORM a\nLABEL before=$TARGETARCH\nARG TARGETARCH TARGETPLATFORM\n" \
           "LABEL arch=$TARGETARCH plat=$TARGETPLATFORM\n"
    p = plan(text, tmp_path, platform="linux/arm64")
    assert p.target.platform == "linux/amd64"
    assert p.target.config["Labels"] == {"before": "", "arch": "arm64", "plat": "linux/arm64"}


def test_run_is_not_substituted_and_sees_args_and_proxies_as_environment(tmp_path):
    p = plan("FROM a\nARG MODE=dev\nENV HOME=/root\nRUN echo $HOME $MODE\n", tmp_path,
             build_args={"https_proxy": "http://proxy:3128"})
    run = p.target.steps[-1]
    assert run.argv == ("/bin/sh", "-c", "echo $HOME $MODE")
    assert "MODE=dev" in run.env and "HOME=/root" in run.env and "https_proxy=http://proxy:3128" in run.env
    assert "|1 MODE=dev" in run.created_by


def test_proxy_args_do_not_change_the_cache_key_but_declared_args_do(tmp_path):
    text = "FROM a\nARG MODE=dev\nRUN make\n"
    key = plan(text, tmp_path).target.steps[-1].cache_key
    assert plan(text, tmp_path, build_args={"HTTP_PROXY": "http://p"}).target.steps[-1].cache_key == key
    assert plan(text, tmp_path, build_args={"MODE": "prod"}).target.steps[-1].cache_key != key


def test_workdir_relative_paths_and_copy_destinations(context):
    root = context({"app.py": "", "lib/x.py": ""})
    p = plan("FROM a\nWORKDIR /srv\nWORKDIR app\nCOPY app.py .\nCOPY lib lib\nCOPY app.py ./\n", root)
    steps = p.target.steps
    assert p.target.config["WorkingDir"] == "/srv/app"
    assert [s.dest for s in steps[2:]] == ["/srv/app/", "/srv/app/lib", "/srv/app/"]
    assert steps[3].sources[0].kind == "dir"


def test_copy_of_several_sources_needs_a_directory(context):
    root = context({"a": "", "b": ""})
    with pytest.raises(DockerfileError, match=r"Dockerfile:2: COPY with more than one source .*end the dest"):
        plan("FROM x\nCOPY a b /dst\n", root)


def test_copy_flags_are_substituted(context):
    root = context({"a": ""})
    p = plan("FROM x\nARG U=app\nCOPY --chown=$U:$U --chmod=0640 a /a\n", root)
    step = p.target.steps[-1]
    assert (step.chown, step.chmod, step.text) == ("app:app", "0640", "COPY --chown=app:app --chmod=0640 a /a")


def test_copy_heredoc_is_expanded_unless_quoted(tmp_path):
    p = plan("FROM x\nENV WHO=world\nCOPY <<EOF <<'RAW' /etc/\nhello $WHO\nEOF\nhello $WHO\nRAW\n", tmp_path)
    contents = [s.content for s in p.target.steps[-1].sources]
    assert contents == ["hello world\n", "hello $WHO\n"]


def test_run_heredoc_becomes_the_shell_script(tmp_path):
    p = plan("FROM x\nRUN <<EOF\necho one\necho two\nEOF\nRUN <<EOT bash\nset -e\nEOT\n", tmp_path)
    alone, with_command = p.target.steps
    assert alone.argv == ("/bin/sh", "-c", "echo one\necho two\n")
    assert with_command.argv == ("/bin/sh", "-c", "<<EOT bash\nset -e\nEOT\n")


def test_run_mounts_are_parsed_and_resolved_against_workdir(tmp_path):
    p = plan("FROM x\nWORKDIR /w\nRUN --mount=type=cache,target=.cache,sharing=locked --network=none make\n",
             tmp_path)
    run = p.target.steps[-1]
    assert (run.mounts[0].type, run.mounts[0].target, run.mounts[0].option("sharing")) == ("cache", "/w/.cache",
                                                                                            "locked")
    assert run.network == "none"


def test_target_selects_only_the_stages_it_needs(context):
    root = context({"main.go": ""})
    text = ("FROM golang AS build\nCOPY main.go .\nRUN go build\n"
            "FROM build AS dev\nRUN apt-get install git\n"
            "FROM alpine AS unrelated\nRUN true\n"
            "FROM scratch\nCOPY --from=build /out /app\n")
    p = plan(text, root)
    assert [s.label for s in p.stages] == ["build", "3"]
    assert p.skipped == ("dev", "unrelated")
    dev = plan(text, root, target="dev")
    assert [s.label for s in dev.stages] == ["build", "dev"] and dev.skipped == ("unrelated", "3")


def test_copy_from_a_stage_index_and_from_an_image(tmp_path):
    p = plan("FROM a\nRUN make\nFROM b\nCOPY --from=0 /out /x\nCOPY --from=busybox:1.36 /bin/sh /sh\n", tmp_path)
    from_stage, from_image = p.target.steps
    assert (from_stage.sources[0].origin, from_stage.sources[0].ref) == ("stage", "0")
    assert from_stage.sources[0].digest == p.stages[0].fs_key
    assert (from_image.sources[0].origin, from_image.needs) == ("image", ("image busybox:1.36",))
    assert p.base_images() == ("a", "b", "busybox:1.36")


def test_unknown_target_and_cycles_are_errors(tmp_path):
    with pytest.raises(DockerfileError, match='target stage "nope" could not be found: name one of the stages'):
        plan("FROM a AS one\n", tmp_path, target="nope")
    with pytest.raises(DockerfileError, match="circular dependency between stages: two -> one -> two"):
        plan("FROM a AS one\nCOPY --from=two / /\nFROM b AS two\nCOPY --from=one / /\n", tmp_path)


def test_stage_names_must_be_unique(tmp_path):
    message = "Dockerfile:2: duplicate stage name 'x': it is already used on line 1"
    with pytest.raises(DockerfileError, match=message):
        plan("FROM a AS x\nFROM b AS X\n", tmp_path)


def test_only_arg_may_precede_from(tmp_path):
    with pytest.raises(DockerfileError, match="Dockerfile:1: ENV before the first FROM"):
        plan("ENV A=1\nFROM a\n", tmp_path)


def test_blank_base_name_is_an_error(tmp_path):
    with pytest.raises(DockerfileError, match=r"base name \(\$IMAGE\) should not be blank"):
        plan("ARG IMAGE\nFROM $IMAGE\n", tmp_path)


def test_additional_contexts(context, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "data.txt").write_text("x")
    p = plan("FROM base\nCOPY --from=assets data.txt /data/\n", context({}),
             additional_contexts={"assets": str(extra), "base": "docker-image://alpine:3.19"})
    assert p.target.base == "alpine:3.19"
    assert p.target.steps[0].sources[0].origin == "named-context"
    assert p.named_contexts["assets"].root == extra.resolve()  # what the executor copies from


def test_add_of_a_url_is_planned_but_marked_as_needing_the_network(tmp_path):
    p = plan("FROM a\nADD https://example.com/x.tgz /opt/\n", tmp_path)
    step = p.target.steps[0]
    assert step.sources[0].origin == "url" and "builds offline" in step.offline_error
    assert p.problems() == (f"Dockerfile:2: {step.offline_error}",)


def test_missing_sources_still_plan_but_make_the_step_fail(context):
    p = plan("FROM a\nCOPY package-lock.json /app/\n", context({"package.json": "{}"}))
    assert p.problems()[0].startswith("Dockerfile:2: COPY 'package-lock.json': not found in build context")


def test_describe_shows_stages_bases_steps_and_skips(context):
    root = context({"req.txt": ""})
    text = ("FROM python:3.12 AS builder\nCOPY req.txt .\nRUN pip install\n"
            "FROM builder AS dev\nRUN x\n"
            "FROM builder\nENV A=1\n")
    out = plan(text, root, build_args={"X": "1"}).describe()
    assert "target stage '2'" in out and "skipped stages (the target does not need them): dev" in out
    assert "stage 0 'builder' (line 1): FROM python:3.12 [image]" in out
    assert "COPY req.txt /  [layer " in out and "needs context: req.txt" in out
    assert "ENV A=1  [config]" in out and "unused build args: X" in out


def test_an_arg_declared_after_an_env_wins_for_later_steps_but_not_in_the_image(tmp_path):
    p = plan("FROM a\nENV X=env\nARG X=arg\nLABEL x=$X\nRUN echo\n", tmp_path)
    assert p.target.config["Labels"] == {"x": "arg"}
    assert "X=arg" in p.target.steps[-1].env
    assert "X=env" in p.target.config["Env"]


def test_args_are_inherited_by_stages_built_on_the_stage_that_declared_them(tmp_path):
    text = "FROM a AS base\nARG NAME=joe\nFROM base AS build\nLABEL who=$NAME\nRUN echo\nFROM a\nLABEL who=$NAME\n"
    p = plan(text, tmp_path, target="build")
    assert p.target.config["Labels"] == {"who": "joe"}
    assert "NAME=joe" in p.target.steps[-1].env and "|1 NAME=joe" in p.target.steps[-1].created_by
    unrelated = plan("FROM a AS base\nARG NAME=joe\nFROM a\nLABEL who=$NAME\n", tmp_path)
    assert unrelated.target.config["Labels"] == {"who": ""}


def test_arg_defaults_can_use_earlier_args_and_env(tmp_path):
    p = plan("FROM a\nENV ROOT=/opt\nARG APP=$ROOT/app\nARG BIN=${APP}/bin\nWORKDIR $BIN\n", tmp_path)
    assert p.target.config["WorkingDir"] == "/opt/app/bin"


def test_add_unpacks_local_archives_and_copy_does_not(context):
    import io
    import tarfile
    root = context({})
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.addfile(tarfile.TarInfo("bin"), io.BytesIO(b""))
    (root / "rootfs.tar").write_bytes(buf.getvalue())
    p = plan("FROM scratch\nADD rootfs.tar /\nCOPY rootfs.tar /keep/\nADD --unpack=false rootfs.tar /raw/\n", root)
    assert [s.sources[0].archive for s in p.target.steps] == [True, False, False]
    assert [s.action for s in p.target.steps] == ["add", "copy", "add"]


def test_dockerfile_specific_ignore_file_is_used_by_the_plan(context):
    root = context({"app.Dockerfile": "", "app.Dockerfile.dockerignore": "*.md\n", ".dockerignore": "*.py\n",
                    "main.py": "", "notes.md": ""})

    def key() -> str:
        p = plan("FROM a\nCOPY . /src/\n", root, dockerfile_path="app.Dockerfile")
        assert p.dockerfile == "app.Dockerfile"
        return p.target.steps[0].cache_key

    before = key()
    (root / "notes.md").write_text("ignored by app.Dockerfile.dockerignore")
    assert key() == before
    (root / "main.py").write_text("print('copied: .dockerignore does not apply')")
    assert key() != before


def test_substitution_errors_point_at_the_line(tmp_path):
    with pytest.raises(DockerfileError, match=r"Dockerfile:3: variable substitution in '\$\{A': .*missing '}'"):
        plan("FROM a\n\nLABEL x=${A\n", tmp_path)


def test_invalid_base_reference_and_network_are_errors(tmp_path):
    with pytest.raises(DockerfileError, match="Dockerfile:1: invalid image reference 'Alpine'"):
        plan("FROM Alpine\n", tmp_path)
    with pytest.raises(DockerfileError, match="Dockerfile:2: RUN --network=bridge is not supported"):
        plan("FROM a\nRUN --network=bridge x\n", tmp_path)


def test_from_names_only_earlier_stages(tmp_path):
    p = plan("FROM alpine AS alpine\nRUN one\nFROM alpine\nRUN two\n", tmp_path)
    assert [(s.base_kind, s.base) for s in p.stages] == [("image", "alpine"), ("stage", "alpine")]
    later = plan("FROM node AS first\nRUN x\nFROM busybox AS node\n", tmp_path, target="first")
    assert (later.target.base_kind, later.target.base) == ("image", "node")
