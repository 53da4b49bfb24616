"""``python -m bench.harness`` (what bench/run calls)."""

import sys

from .main import main

sys.exit(main())
