"""``runtime.records.record`` makes classes that behave as ``@dataclass(frozen=True)`` ones: each check runs on a
record and on the same class made by dataclasses, and wants the same outcome."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import field

import pytest

from runtime.records import record


def both(**options):
    """The same class body as a record and as a frozen dataclass."""

    def make(deco):
        class Point:
            """A point."""

            x: int
            y: int = 0
            tags: tuple[str, ...] = field(default_factory=tuple)
            note: str = field(default="", compare=False, repr=False)
            seen: list = field(default_factory=list, init=False, compare=False, hash=False)

            def norm(self) -> int:
                return abs(self.x) + abs(self.y)

        return deco(Point)

    return make(record(**options)), make(dataclasses.dataclass(frozen=True, **options))


CASES = [{}, {"slots": True}]


def outcome(fn):
    try:
        return ("ok", fn())
    except Exception as exc:  # noqa: BLE001 - the kind of failure is what is compared
        return ("raised", type(exc))


@pytest.mark.parametrize("options", CASES, ids=["plain", "slots"])
def test_construction_and_its_errors_match_dataclasses(options):
    rec, dc = both(**options)
    calls = [
        ((1,), {}), ((1, 2), {}), ((1,), {"y": 5, "tags": ("a",)}), ((), {"x": 3, "note": "n"}),
        ((), {}), ((1, 2, (), "n", "extra"), {}), ((1,), {"x": 2}), ((1,), {"nope": 1}), ((1,), {"seen": []}),
    ]
    for args, kwargs in calls:
        got = outcome(lambda: rec(*args, **kwargs))
        want = outcome(lambda: dc(*args, **kwargs))
        assert got[0] == want[0], (args, kwargs)
        if got[0] == "ok":
            assert dataclasses.astuple(got[1]) == dataclasses.astuple(want[1])
        else:
            assert got[1] is want[1]


@pytest.mark.parametrize("options", CASES, ids=["plain", "slots"])
def test_repr_equality_and_hash_match_dataclasses(options):
    rec, dc = both(**options)
    a, b = rec(1, 2, ("t",), note="x"), dc(1, 2, ("t",), note="x")
    assert repr(a) == repr(b) and repr(a).endswith("Point(x=1, y=2, tags=('t',), seen=[])")  # note: repr=False
    assert a == rec(1, 2, ("t",), note="other")  # note and seen are not compared
    assert a != rec(1, 3, ("t",))
    assert (a == b) is False and a != b  # another class, even with the same fields
    assert hash(a) == hash(b) == hash(rec(1, 2, ("t",), note="y"))
    assert {a, rec(1, 2, ("t",))} == {a}


@pytest.mark.parametrize("options", CASES, ids=["plain", "slots"])
def test_a_record_is_frozen_and_a_dataclass(options):
    rec, _ = both(**options)
    p = rec(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.x
    assert dataclasses.is_dataclass(p)
    assert [f.name for f in dataclasses.fields(p)] == ["x", "y", "tags", "note", "seen"]
    assert dataclasses.replace(p, y=7) == rec(1, 7)
    assert dataclasses.asdict(rec(1, 2, ("a",))) == {"x": 1, "y": 2, "tags": ("a",), "note": "", "seen": []}
    assert p.norm() == 1  # its own methods stay
    match rec(4, 5):
        case rec(x, y):
            assert (x, y) == (4, 5)


@pytest.mark.parametrize("options", CASES, ids=["plain", "slots"])
def test_a_record_survives_pickle_copy_and_deepcopy(options):
    rec, _ = both(**options)
    globals()["Point"] = rec  # pickle finds classes by name
    rec.__qualname__ = "Point"
    try:
        p = rec(1, 2, ("a",), note="n")
        for twin in (pickle.loads(pickle.dumps(p)), copy.copy(p), copy.deepcopy(p)):
            assert twin == p and twin.note == "n" and twin is not p
    finally:
        del globals()["Point"]


def test_keyword_only_fields_and_post_init_as_dataclasses_has_them():
    made = []

    def make(deco):
        class Options:
            name: str
            level: int = 1

            def __post_init__(self) -> None:
                made.append(self.name)

        return deco(Options)

    rec, dc = make(record(kw_only=True)), make(dataclasses.dataclass(frozen=True, kw_only=True))
    for cls in (rec, dc):
        assert outcome(lambda: cls("a"))[0] == "raised"
        assert cls(name="a", level=2).level == 2
    assert made == ["a", "a"]


def test_a_method_the_class_defines_itself_is_kept():
    @record
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

    assert repr(Named("x")) == "<x>"


def test_a_record_may_extend_another():
    @record
    class Base:
        a: int

    @record
    class More(Base):
        b: int = 2

    assert More(1) == More(1, 2) and repr(More(1)).endswith("More(a=1, b=2)")
    assert More(1) != Base(1)
