"""services.*.volumes and top-level volumes: bind vs named vs anonymous, options, names -> Mount / Volume."""

from __future__ import annotations

import pytest

from compose.errors import ConsistencyError, SchemaError
from compose.model import BindOptions, Mount, VolumeOptions
from tests.support.compose_model import PROJECT_DIR, canonical_service_of, one_service, project


def test_relative_bind_becomes_absolute_against_the_project_dir():
    (mount,) = one_service("volumes: ['./data:/data']").mounts
    assert mount == Mount(
        type="bind", source="/project/data", target="/data", bind=BindOptions(create_host_path=True)
    )


def test_canonical_bind_is_what_compose_config_prints():
    assert canonical_service_of("volumes: ['./data:/data:ro,z']")["volumes"] == [
        {
            "type": "bind",
            "source": "./data",
            "target": "/data",
            "read_only": True,
            "bind": {"selinux": "z", "create_host_path": True},
        }
    ]


def test_home_is_expanded():
    (mount,) = one_service("volumes: ['~/cache:/cache']").mounts
    assert mount.source == "/home/user/cache"


def test_parent_relative_path_is_cleaned():
    (mount,) = one_service("volumes: ['../shared/x:/x:rw']").mounts
    assert (mount.source, mount.read_only) == ("/shared/x", False)


def test_named_volume_gets_project_prefixed_name():
    p = project(
        """
        services:
          db: {image: pg, volumes: ['data:/var/lib/pg:ro,nocopy']}
        volumes:
          data:
        """
    )
    (mount,) = p.services["db"].mounts
    assert mount == Mount(
        type="volume", source="data", target="/var/lib/pg", read_only=True, volume=VolumeOptions(nocopy=True)
    )
    assert p.volumes["data"].name == "test_data"


def test_anonymous_volume_has_no_source():
    (mount,) = one_service("volumes: ['/var/cache']").mounts
    assert mount.is_anonymous
    assert mount.target == "/var/cache"


def test_target_is_cleaned():
    (mount,) = one_service("volumes: ['/a/b/../c/']").mounts
    assert mount.target == "/a/c"


def test_propagation_option():
    (mount,) = one_service("volumes: ['/src:/dst:rshared']").mounts
    assert mount.bind == BindOptions(propagation="rshared", create_host_path=True)


def test_long_syntax_bind_does_not_create_host_path_by_default():
    (mount,) = one_service(
        """
        volumes:
          - type: bind
            source: ./conf
            target: /etc/conf
            read_only: "true"
        """
    ).mounts
    assert (mount.source, mount.read_only, mount.bind) == ("/project/conf", True, None)


def test_long_syntax_tmpfs_size_in_bytes():
    (mount,) = one_service(
        """
        volumes:
          - type: tmpfs
            target: /tmp
            tmpfs: {size: 64m, mode: 1777}
        """
    ).mounts
    assert mount.tmpfs is not None and mount.tmpfs.size == 64 * 1024 * 1024


def test_external_and_custom_names_are_kept():
    p = project(
        """
        services: {web: {image: x}}
        volumes:
          ext: {external: true}
          named: {name: CustomName}
          legacy: {external: {name: old}}
        """
    )
    assert {k: (v.name, v.external) for k, v in p.volumes.items()} == {
        "ext": ("ext", True),
        "named": ("CustomName", False),
        "legacy": ("old", True),
    }


def test_undeclared_named_volume_is_a_consistency_error():
    with pytest.raises(ConsistencyError, match=r"services.web.volumes\[0\]: .*undefined volume 'data'"):
        one_service("volumes: ['data:/data']")


@pytest.mark.parametrize("spec", ["/a::/b", "/a:/b:ro:x", ":/x"])
def test_invalid_short_syntax(spec):
    with pytest.raises(SchemaError, match=r"services.web.volumes\[0\]: .* is not a valid volume"):
        one_service(f"volumes: ['{spec}']")


def test_consistency_error_is_located_through_marks():
    from compose.loader.canonical import canonicalize
    from compose.loader.document import Mark
    from compose.loader.normalize import normalize

    data = canonicalize({"services": {"web": {"image": "x", "volumes": ["data:/data"]}}})
    marks = {("services", "web", "volumes"): Mark("compose.yaml", 4, 5)}
    with pytest.raises(ConsistencyError) as info:
        normalize(data, project_name="p", project_dir=PROJECT_DIR, environ={}, marks=marks)
    assert str(info.value).startswith("compose.yaml:4:5 services.web.volumes[0]:")


def test_local_bind_volume_device_is_made_absolute():
    p = project(
        """
        services: {web: {image: x, volumes: ['data:/data']}}
        volumes:
          data: {driver: local, driver_opts: {type: none, o: bind, device: ./data}}
        """
    )
    assert p.volumes["data"].driver_opts["device"] == "/project/data"
