"""``python -m compose.cli``: the same as the ``dockyard`` console script."""

from compose.cli import entry

entry()
