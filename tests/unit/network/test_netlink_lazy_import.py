"""rtmsg.py (under bridge.py) loads only pyroute2's message modules (not its package ``__init__``, which pulls in
ipdb, ndb, asyncio, ...), yet any later ``import pyroute2`` / ``from pyroute2 import X`` in the same process still gets the whole package.
Each case runs in a fresh interpreter; the generic mechanism (``netlink.lazy_package``) is checked on a toy package."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.paths import REPO


def run(code: str, cwd: Path = REPO, path: Path | None = None) -> list[str]:
    env_code = (f"import sys; sys.path.insert(0, {str(path)!r})\n" if path else "") + textwrap.dedent(code)
    out = subprocess.run([sys.executable, "-c", env_code], cwd=cwd, capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_a_netlink_call_loads_the_message_modules_but_not_the_package_init_nor_asyncio():
    out = run("""
        import sys
        from runtime.network import bridge
        bridge.link_names("lo"); bridge.host_networks()
        print("asyncio" in sys.modules, "pyroute2.ndb" in sys.modules, "IPRoute" in vars(sys.modules["pyroute2"]))
    """)
    assert out == ["False", "False", "False"]


def test_waiting_for_links_that_are_already_gone_loads_no_pyroute2_at_all():
    out = run("""
        import sys
        from runtime.network import bridge
        print(bridge.wait_gone(["dy-no-such-link"], 5), bridge.link_exists("lo"), "pyroute2" in sys.modules)
    """)
    assert out == ["[]", "True", "False"]


def test_later_imports_of_pyroute2_get_the_whole_package_and_it_works():
    out = run("""
        import sys
        from runtime.network import bridge
        assert bridge.link_names("lo") == ["lo"]
        from pyroute2 import IPRoute
        import pyroute2
        with IPRoute() as ipr:
            print(ipr.link_lookup(ifname="lo") == [1], pyroute2.NDB.__name__, "asyncio" in sys.modules)
        from pyroute2 import NetNS
        print(NetNS.__name__, pyroute2.__version__ != "unknown", bridge.link_names("lo"))
    """)
    assert out == ["True", "NDB", "True", "NetNS", "True", "['lo']"]


def test_threads_asking_for_the_package_at_once_all_get_it():
    out = run("""
        import threading
        from runtime.network import rtmsg
        rtmsg.load()
        got = []
        def ask():
            import pyroute2
            got.append(pyroute2.IPRoute.__name__)
        threads = [threading.Thread(target=ask) for _ in range(8)]
        [t.start() for t in threads]; [t.join(60) for t in threads]
        print(got == ["IPRoute"] * 8)
    """)
    assert out == ["True"]


def test_pyroute2_imported_first_is_used_as_it_is():
    out = run("""
        import pyroute2
        from runtime.network import bridge, rtmsg
        print(bridge.link_names("lo"), rtmsg.NetlinkError is pyroute2.NetlinkError)
    """)
    assert out == ["['lo']", "True"]


TOY_INIT = """
from . import sub
import toypkg
RUNS = getattr(toypkg, "RUNS", 0) + 1   # a lookup while __init__ runs fails as on a module still initialising
NAME = "whole " + sub.NAME
"""


def test_a_lazy_package_runs_its_init_once_on_first_use_and_not_for_a_submodule(tmp_path):
    pkg = tmp_path / "toypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(TOY_INIT)
    (pkg / "sub.py").write_text('NAME = "sub"\n')
    (pkg / "other.py").write_text('NAME = "other"\n')
    out = run("""
        import sys
        from runtime.network.netlink import lazy_package
        lazy_package("toypkg")
        from toypkg import sub
        import toypkg.other
        print(sub.NAME, toypkg.other.NAME, "NAME" in vars(sys.modules["toypkg"]))
        from toypkg import NAME
        import toypkg
        print(NAME.replace(" ", "-"), toypkg.RUNS, "__getattr__" in vars(toypkg))
        try:
            toypkg.missing
        except AttributeError:
            print("missing")
        print(toypkg.RUNS)
    """, path=tmp_path)
    assert out == ["sub", "other", "False", "whole-sub", "1", "False", "missing", "1"]
