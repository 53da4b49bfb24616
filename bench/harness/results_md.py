"""Render a run's JSON as the Markdown section used in bench/RESULTS.md.

Usage: ``.venv/bin/python -m bench.harness.results_md bench/results/full.json``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .report import results_markdown


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    print(results_markdown(json.loads(Path(argv[0]).read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
