"""Records: frozen dataclasses whose methods are shared by every record class instead of generated for each.

``dataclasses`` compiles six methods for every frozen class it makes (``__init__``, ``__repr__``, ``__eq__``,
``__hash__``, ``__setattr__``, ``__delattr__``): about 1 ms a class on Python 3.11, which is 30-50 ms of every
``dockyard`` command that loads the types of the seam, the launch spec and the compose model. A record is still a
real dataclass (``fields``, ``replace``, ``asdict``, ``is_dataclass`` and pattern matching work; field defaults,
``default_factory``, ``init``/``repr``/``compare``/``hash`` per field, ``kw_only`` and ``slots`` mean what they mean
there), made with those six methods off; the ones here, defined once, read a per-class plan instead. They behave
as the generated ones: positional and keyword arguments with the same errors, ``repr`` of the repr fields, equality
with an instance of exactly the same class, the hash of the compared (or ``hash=True``) fields, and
``FrozenInstanceError`` on assignment or deletion. Creating an instance costs a few microseconds more, so types
made by the million (log lines) stay plain dataclasses.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Callable

TYPE_CHECKING = False  # typing is not imported: lean processes read launch specs (records) without it
if TYPE_CHECKING:
    from typing import Any

_PLAN = "__record_plan__"


class _Plan:
    """What the shared methods need to know of one record class, worked out once when it is made."""

    __slots__ = ("name", "positional", "keywords", "defaults", "factories", "later", "fields", "shown", "compared",
                 "hashed", "post_init")

    def __init__(self, cls: type) -> None:
        fields = dataclasses.fields(cls)
        init = [f for f in fields if f.init]
        self.name = cls.__qualname__
        self.positional = tuple(f.name for f in init if not f.kw_only)
        self.keywords = frozenset(f.name for f in init)
        self.defaults = {f.name: f.default for f in init if f.default is not dataclasses.MISSING}
        self.factories = {f.name: f.default_factory for f in init if f.default_factory is not dataclasses.MISSING}
        self.later = tuple((f.name, f.default, f.default_factory) for f in fields if not f.init)
        self.fields = tuple(f.name for f in init)
        self.shown = tuple(f.name for f in fields if f.repr)
        self.compared = tuple(f.name for f in fields if f.compare)
        self.hashed = tuple(f.name for f in fields if f.hash or (f.hash is None and f.compare))
        self.post_init = getattr(cls, "__post_init__", None)


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    plan: _Plan = getattr(type(self), _PLAN)
    if len(args) > len(plan.positional):
        raise TypeError(f"{plan.name}.__init__() takes {len(plan.positional) + 1} positional arguments but "
                        f"{len(args) + 1} were given")
    values = dict(zip(plan.positional, args))
    for key, value in kwargs.items():
        if key not in plan.keywords:
            raise TypeError(f"{plan.name}.__init__() got an unexpected keyword argument {key!r}")
        if key in values:
            raise TypeError(f"{plan.name}.__init__() got multiple values for argument {key!r}")
        values[key] = value
    missing = []
    for name in plan.fields:
        if name not in values:
            if name in plan.defaults:
                values[name] = plan.defaults[name]
            elif name in plan.factories:
                values[name] = plan.factories[name]()
            else:
                missing.append(name)
    if missing:
        raise TypeError(f"{plan.name}.__init__() missing {len(missing)} required argument"
                        f"{'s' if len(missing) > 1 else ''}: {', '.join(repr(n) for n in missing)}")
    for name in plan.fields:
        object.__setattr__(self, name, values[name])
    for name, default, factory in plan.later:
        if factory is not dataclasses.MISSING:
            object.__setattr__(self, name, factory())
        elif default is not dataclasses.MISSING:
            object.__setattr__(self, name, default)
    if plan.post_init is not None:
        self.__post_init__()


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    plan: _Plan = getattr(type(self), _PLAN)
    return f"{type(self).__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in plan.shown)})"


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = getattr(type(self), _PLAN).compared
    return tuple(getattr(self, n) for n in names) == tuple(getattr(other, n) for n in names)


def _hash(self: Any) -> int:
    return hash(tuple(getattr(self, n) for n in getattr(type(self), _PLAN).hashed))


def _setattr(self: Any, name: str, value: object) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:  # pickling and copying a record with slots (it has no __dict__)
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state):
        object.__setattr__(self, f.name, value)


_SHARED: dict[str, Callable] = {"__init__": _init, "__repr__": _repr, "__eq__": _eq, "__hash__": _hash,
                                "__setattr__": _setattr, "__delattr__": _delattr}


def record(cls: type | None = None, /, *, kw_only: bool = False, slots: bool = False) -> Any:
    """``@record`` / ``@record(kw_only=True, slots=True)``: the class as ``@dataclass(frozen=True, ...)`` makes it,
    with the shared methods (a method the class defines itself is kept, as dataclasses keeps it)."""

    def wrap(cls: type) -> type:
        own = {name for name in _SHARED if name in cls.__dict__}
        made = dataclasses.dataclass(cls, init=False, repr=False, eq=False, kw_only=kw_only, slots=slots)
        setattr(made, _PLAN, _Plan(made))
        for name, method in _SHARED.items():
            if name not in own:
                setattr(made, name, method)
        if slots:
            made.__getstate__, made.__setstate__ = _getstate, _setstate
        return made

    return wrap if cls is None else wrap(cls)
