"""`dockyard build`, `up --build`/`--no-build`, `run --build`, `pull_policy: build`: services' `build:` sections
become runtime BuildRequests, built in the right order, with progress on stderr and failures as one error."""

from __future__ import annotations

from pathlib import Path

BUILT = """
name: shop
services:
  api:
    build:
      context: ./api
      args: {MODE: prod, FROM_FILE: yes}
      labels: {team: core}
  web:
    image: registry.local/web:2
    build: {context: ./web, tags: ["web:latest"]}
  db:
    image: postgres
"""


def requests_by_tag(dy) -> dict:
    return {r.tags[0]: r for r in dy.rt.builds}


def test_build_builds_every_service_with_a_build_section_under_its_image_name(dy):
    dy.write(BUILT)
    result = dy("build")
    assert result.exit_code == 0, result.output
    assert [r.tags for r in dy.rt.builds] == [("shop-api",), ("registry.local/web:2", "web:latest")]
    api = requests_by_tag(dy)["shop-api"]
    assert api.context_dir == dy.dir / "api"
    assert api.dockerfile == Path("Dockerfile")
    assert dict(api.build_args) == {"MODE": "prod", "FROM_FILE": "yes"}
    assert dict(api.labels) == {"team": "core"}
    assert dy.rt.has_image("shop-api") and dy.rt.has_image("web:latest")


def test_build_shows_each_step_and_its_output_on_stderr(dy):
    dy.write(BUILT)
    result = dy("build", "api")
    assert "[api 2/2] RUN make" in result.stderr
    assert "[api 2/2] | making shop-api" in result.stderr
    assert "Image shop-api  Built" in result.stderr
    assert result.stdout == ""


def test_quiet_build_prints_nothing(dy):
    dy.write(BUILT)
    result = dy("build", "-q", "api")
    assert result.exit_code == 0 and result.stderr == "" and result.stdout == ""


def test_build_args_from_the_command_line_override_the_file_and_a_bare_name_reads_the_environment(dy, monkeypatch):
    dy.write(BUILT)
    monkeypatch.setenv("TOKEN", "s3cret")
    dy("build", "--build-arg", "MODE=dev", "--build-arg", "TOKEN", "--build-arg", "UNSET_HERE", "api")
    assert dict(dy.rt.builds[0].build_args) == {"MODE": "dev", "FROM_FILE": "yes", "TOKEN": "s3cret"}


def test_no_cache_and_pull_flags_reach_the_request(dy):
    dy.write(BUILT)
    dy("build", "--no-cache", "--pull", "api")
    assert dy.rt.builds[0].no_cache and dy.rt.builds[0].pull


def test_print_shows_the_plans_and_builds_nothing(dy):
    dy.write(BUILT)
    result = dy("build", "--print")
    assert result.exit_code == 0, result.output
    assert "# service api: image shop-api\nbuild plan for Dockerfile in api" in result.stdout
    assert "# service web: image registry.local/web:2" in result.stdout
    assert dy.rt.builds == []


def test_a_failing_step_is_one_error_with_its_output_and_exit_code_and_stores_no_image(dy):
    dy.write(BUILT)
    dy.rt.build_failures["shop-api"] = 2
    result = dy("build", "api")
    assert result.exit_code == 1
    assert result.stderr.count("error: ") == 1
    expected = "error: services.api.build: service api: build shop-api: Dockerfile:2: RUN make: exit code 2"
    assert expected in result.stderr
    assert "make: *** failed" in result.stderr
    assert not dy.rt.has_image("shop-api")


def test_building_a_project_without_build_sections_warns(dy):
    result = dy("build")
    assert result.exit_code == 0
    assert "nothing to build" in result.stderr


def test_up_builds_a_missing_image_then_runs_it_and_a_second_up_does_not_rebuild(dy):
    dy.write("services: {app: {build: ., command: serve}}")
    assert dy("-p", "b", "up", "-d").exit_code == 0
    assert [r.tags for r in dy.rt.builds] == [("b-app",)]
    assert dy.rt.state_of("b-app-1") == "running"
    assert dy.rt.boxes[next(iter(dy.rt.boxes))].spec.image == "b-app"
    assert dy("-p", "b", "up", "-d").exit_code == 0
    assert len(dy.rt.builds) == 1


def test_up_build_rebuilds_present_images(dy):
    dy.write("services: {app: {build: .}}")
    dy.rt.images.add("b-app")
    assert dy("-p", "b", "up", "-d", "--build").exit_code == 0
    assert [r.tags for r in dy.rt.builds] == [("b-app",)]


def test_up_no_build_with_an_unbuilt_image_fails_naming_the_fix(dy):
    dy.write("services: {app: {build: .}}")
    result = dy("-p", "b", "up", "-d", "--no-build")
    assert result.exit_code == 1
    assert "service app: image b-app is not built and --no-build was given: build it first: dockyard build app" \
        in result.stderr
    assert dy.rt.builds == [] and dy.rt.names() == []


def test_build_and_no_build_together_are_refused(dy):
    assert dy("up", "-d", "--build", "--no-build").exit_code == 2


def test_pull_policy_build_builds_on_every_up(dy):
    dy.write("services: {app: {image: app:1, build: ., pull_policy: build}}")
    dy.rt.images.add("app:1")
    dy("-p", "b", "up", "-d")
    assert [r.tags for r in dy.rt.builds] == [("app:1",)]
    assert dy.rt.images.pulled == []


def test_an_image_the_registry_does_not_have_is_built_when_the_service_can_build_it(dy):
    dy.write("services: {app: {image: registry.local/app:1, build: .}}")
    dy.rt.images.pull_errors["registry.local/app:1"] = RuntimeError("manifest unknown")
    result = dy("-p", "b", "up", "-d")
    assert result.exit_code == 0, result.output
    assert [r.tags for r in dy.rt.builds] == [("registry.local/app:1",)]


def test_a_service_context_is_built_first_and_passed_as_its_image(dy):
    dy.write("""
        services:
          app:
            build: {context: ./app, additional_contexts: {base: "service:base"}}
          base:
            build: ./base
    """)
    assert dy("-p", "b", "build", "app").exit_code == 0
    assert [r.tags[0] for r in dy.rt.builds] == ["b-base", "b-app"]
    assert dict(dy.rt.builds[1].additional_contexts) == {"base": "docker-image://b-base"}


def test_service_contexts_that_loop_are_refused(dy):
    dy.write("""
        services:
          a: {build: {context: ., additional_contexts: {x: "service:b"}}}
          b: {build: {context: ., additional_contexts: {y: "service:a"}}}
    """)
    result = dy("-p", "b", "build")
    assert result.exit_code == 1
    assert "additional contexts form a cycle: a -> b -> a" in result.stderr


def test_more_than_one_platform_is_refused_with_a_fix(dy):
    dy.write("services: {app: {build: {context: ., platforms: [linux/amd64, linux/arm64]}}}")
    result = dy("-p", "b", "build")
    assert result.exit_code == 1
    assert "services.app.build.platforms: 2 platforms asked for; dockyard builds for the host's only" in result.stderr


def test_run_build_builds_the_service_image_before_the_one_off(dy):
    dy.write("services: {app: {build: .}}")
    dy.rt.images.add("b-app")
    result = dy("-p", "b", "run", "-d", "--build", "app", "true")
    assert result.exit_code == 0, result.output
    assert [r.tags for r in dy.rt.builds] == [("b-app",)]
    assert dy.rt.names() == ["b-app-run-1"]


def test_dry_run_lists_the_builds_in_order_and_builds_nothing(dy):
    dy.write(BUILT)
    result = dy("--dry-run", "build")
    assert result.stdout == "build api: image shop-api\nbuild web: image registry.local/web:2\n"
    assert dy.rt.builds == []


def test_down_rmi_local_removes_the_built_image_but_not_pulled_ones(dy):
    dy.write("services: {app: {build: .}, db: {image: postgres}}")
    dy("-p", "b", "up", "-d")
    assert dy("-p", "b", "down", "--rmi", "local").exit_code == 0
    assert dy.rt.images.removed == ["b-app"]
