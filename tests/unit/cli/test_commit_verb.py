"""`dockyard commit SERVICE [REPOSITORY[:TAG]]`: the service's container (or the --index replica) is committed with
the message, author and pause choice given, and the new image's id is printed."""

from __future__ import annotations


def test_commit_names_the_services_container_and_prints_the_image_id(dy):
    assert dy("up", "-d").exit_code == 0
    result = dy("commit", "-m", "snapshot", "-a", "Jane", "web", "demo/web:snap")
    assert result.exit_code == 0, result.output
    assert dy.rt.calls[-1] == "commit demo-web-1 demo/web:snap pause=True 'snapshot' 'Jane'"
    assert result.stdout.strip() == dy.rt.images.resolve("demo/web:snap")


def test_commit_without_a_reference_and_without_pausing_a_replica(dy):
    assert dy("up", "-d", "--scale", "web=2").exit_code == 0
    result = dy("commit", "--no-pause", "--index", "2", "web")
    assert result.exit_code == 0, result.output
    assert dy.rt.calls[-1] == "commit demo-web-2 - pause=False '' ''"
    assert result.stdout.strip().startswith("sha256:")


def test_changes_are_passed_in_order(dy):
    assert dy("up", "-d").exit_code == 0
    assert dy("commit", "-c", "ENV A=1", "--change", 'CMD ["x"]', "web").exit_code == 0
    assert dy.rt.calls[-1] == "commit demo-web-1 - pause=True '' '' change='ENV A=1' change='CMD [\"x\"]'"


def test_commit_of_a_service_without_a_container_names_the_fix(dy):
    result = dy("commit", "web")
    assert result.exit_code == 1 and "service web has no container" in result.stderr
