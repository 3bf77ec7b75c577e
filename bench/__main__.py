"""`make bench`: training-step cost of the HILL terms, and UI frame times when available."""

from __future__ import annotations

import importlib
import sys


def main() -> int:
    for module in ("bench.training", "bench.throughput", "bench.frames", "bench.soak"):
        try:
            bench = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        print(f"== {module}", flush=True)
        for line in bench.run():
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
