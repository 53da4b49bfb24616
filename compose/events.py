"""Progress events execute emits and the console renders (``Container p-web-1  Started``)."""

from __future__ import annotations

from typing import Callable

from runtime import record


@record
class Event:
    """``kind`` container/network/volume/image/service; ``status`` a Docker-Compose-like word; ``detail`` why."""

    kind: str
    name: str
    status: str
    detail: str = ""
    error: bool = False

    def text(self) -> str:
        line = f"{self.kind.capitalize()} {self.name}  {self.status}"
        return f"{line}: {self.detail}" if self.detail else line


EventFn = Callable[[Event], None]


def ignore(_event: Event) -> None:
    """The default sink."""
