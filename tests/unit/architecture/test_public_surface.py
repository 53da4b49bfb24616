"""``runtime``'s public surface is exactly these names, each importable, and importing the package stays lean."""

from __future__ import annotations

import subprocess
import sys

import runtime

PUBLIC = [
    "Runtime", "record", "ImageInfo", "PullProgress", "BuildEvent", "BuildRequest", "BuildError",
    "BlkioSpec", "ContainerInfo", "ContainerSpec", "FileSpec", "HealthcheckSpec", "HealthInfo", "LogLine", "LogSpec", "MountSpec",
    "NetworkAttachment", "NetworkInfo", "NetworkSpec", "PortInfo", "PortSpec", "ResourceSpec", "RestartSpec",
    "VolumeInfo", "VolumeSpec",
    "ContainerError", "ContainerNotFoundError", "ContainerRuntimeError", "DigestMismatchError", "ImageError",
    "ImageNotFoundError", "InvalidReferenceError", "KernelError", "LayerError", "NetworkError", "RegistryError",
    "StateError", "VolumeError",
]

CONTRACT_METHODS = [
    "pull_image", "has_image", "image_config", "images", "create_container", "start_container", "stop_container",
    "kill_container", "restart_container", "pause_container", "unpause_container", "remove_container", "containers",
    "inspect_container", "wait_container", "logs", "exec", "top", "create_network", "remove_network", "networks",
    "create_volume", "remove_volume", "volumes", "run", "build", "build_plan", "commit_container", "start_attached",
]


def test_all_is_pinned():
    assert sorted(runtime.__all__) == sorted(PUBLIC)


def test_every_public_name_resolves():
    for name in PUBLIC:
        assert getattr(runtime, name) is not None, name


def test_errors_share_one_base():
    for name in PUBLIC:
        obj = getattr(runtime, name)
        if name.endswith("Error"):
            assert issubclass(obj, runtime.ContainerRuntimeError), name


def test_the_facade_has_every_method_of_the_contract():
    missing = [m for m in CONTRACT_METHODS if not hasattr(runtime.Runtime, m)]
    assert missing == []


def test_importing_the_package_loads_nothing_else():
    """The monitor runs as ``python -S -m runtime.supervise.monitor``: the package import must stay free."""
    code = "import sys, runtime; print(sorted(m for m in sys.modules if m.startswith('runtime')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['runtime']"
