"""Cache keys: parent + instruction + relevant args + content of copied files, and nothing else."""

from __future__ import annotations

from runtime.images.buildplan import BaseImage, plan_build

DOCKERFILE = "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n" \
             "COPY . .\nRUN python -m compileall .\n"


def keys(root, text: str = DOCKERFILE, **kwargs) -> list[str | None]:
    plan = plan_build(text, context_dir=root, build_args=kwargs.pop("build_args", {}), **kwargs)
    return [s.cache_key for s in plan.target.steps]


def test_an_unchanged_rebuild_has_the_same_keys(context):
    root = context({"requirements.txt": "flask\n", "app.py": "x"})
    assert keys(root) == keys(root)


def test_changing_a_copied_file_changes_that_step_and_every_later_one(context):
    root = context({"requirements.txt": "flask\n", "app.py": "x"})
    before = keys(root)
    (root / "app.py").write_text("y")
    after = keys(root)
    assert after[:3] == before[:3]
    assert after[3] != before[3] and after[4] != before[4]


def test_changing_an_ignored_file_changes_nothing(context):
    root = context({".dockerignore": "*.log\n", "requirements.txt": "flask\n", "app.py": "x", "debug.log": ""})
    before = keys(root)
    (root / "debug.log").write_text("lots of output")
    assert keys(root) == before


def test_changing_the_requirements_reruns_the_install(context):
    root = context({"requirements.txt": "flask\n", "app.py": "x"})
    before = keys(root)
    (root / "requirements.txt").write_text("flask\nrequests\n")
    after = keys(root)
    assert after[0] == before[0] and all(a != b for a, b in zip(after[1:], before[1:]))


def test_config_only_steps_have_no_key_and_do_not_break_the_chain(context):
    root = context({"requirements.txt": "", "app.py": ""})
    with_label = keys(root, DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\nLABEL v=1\n"))
    with_other = keys(root, DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\nLABEL v=2\n"))
    assert with_label[1] is None and with_label == with_other
    assert [k for k in with_label if k] == keys(root)


def test_env_reaches_later_run_keys(context):
    root = context({"requirements.txt": "", "app.py": ""})
    one = keys(root, DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\nENV MODE=a\n"))
    two = keys(root, DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\nENV MODE=b\n"))
    assert one[2] == two[2]  # COPY does not depend on ENV
    assert one[3] != two[3]  # RUN does


def test_base_image_digest_pins_the_keys(context):
    root = context({"requirements.txt": "", "app.py": ""})
    old = keys(root, base_images={"python:3.12": BaseImage({}, "sha256:" + "a" * 64)})
    new = keys(root, base_images={"python:3.12": BaseImage({}, "sha256:" + "b" * 64)})
    assert all(a != b for a, b in zip(old, new))


def test_copy_from_a_stage_follows_that_stage(context):
    root = context({"main.go": "package main"})
    text = "FROM golang AS build\nCOPY main.go .\nRUN go build\nFROM scratch\nCOPY --from=build /go/app /app\n"
    before = keys(root, text)
    (root / "main.go").write_text("package main // changed")
    assert keys(root, text) != before


def test_platform_is_part_of_the_key(context):
    root = context({"requirements.txt": "", "app.py": ""})
    assert keys(root, platform="linux/arm64") != keys(root, platform="linux/amd64")


def test_bind_mounted_context_content_is_part_of_the_run_key(context):
    root = context({"src/main.c": "int main;"})
    text = "FROM gcc\nRUN --mount=type=bind,source=src,target=/src make -C /src\n"
    before = keys(root, text)
    (root / "src/main.c").write_text("int main(void);")
    assert keys(root, text) != before


def test_missing_bind_mount_source_is_a_plan_problem(context):
    root = context({})
    plan = plan_build("FROM gcc\nRUN --mount=type=bind,source=nope,target=/x true\n", context_dir=root,
                      build_args={})
    assert plan.problems() == (f"Dockerfile:2: RUN --mount source 'nope': not found in build context {root}",)


def test_copy_exclude_leaves_excluded_files_out_of_the_key(context):
    root = context({"src/a.py": "x", "src/notes.md": "n", "README.md": "r"})
    text = "FROM a\nCOPY --exclude=*.md --exclude=**/*.md . /app/\n"
    before = plan_build(text, context_dir=root, build_args={}).target.steps[0]
    (root / "src/notes.md").write_text("changed")
    (root / "README.md").write_text("changed")
    after = plan_build(text, context_dir=root, build_args={}).target.steps[0]
    assert after.cache_key == before.cache_key and after.excludes == ("*.md", "**/*.md")
    (root / "src/a.py").write_text("y")
    assert plan_build(text, context_dir=root, build_args={}).target.steps[0].cache_key != before.cache_key
