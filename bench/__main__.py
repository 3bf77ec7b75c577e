"""`make bench`: training-step cost of the HILL terms, edit reach, and UI frame times when
available. `python -m bench reach [--json] [--loss paper] [--seeds N]` runs one bench alone."""

from __future__ import annotations

import importlib
import sys

MODULES = ("bench.training", "bench.reach", "bench.throughput", "bench.frames", "bench.soak")
COMMANDS = {"reach": "bench.reach"}  # benches with their own command line (a `main(argv)`)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        if argv[0] not in COMMANDS:
            print(f"python -m bench: error: unknown bench {argv[0]!r} (expected one of: "
                  f"{', '.join(COMMANDS)}; no argument runs them all)", file=sys.stderr)
            return 2
        return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])
    for module in MODULES:
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
