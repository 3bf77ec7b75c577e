"""The edit ledger: one line per round saying what was edited and what it did.

Each line: the round's epochs, the edits made (class, kind), the reach of the edited classes,
and validation accuracy against the lockstep baseline (overall and on the edited classes) when
a baseline ran. Lines go to ``events.jsonl`` (type ``ledger``) and to ``ledger.csv`` beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hill_arcade.eventlog import CsvAppender

FIELDS = ["round", "from_epoch", "to_epoch", "edits", "edited_classes", "reach",
          "reach_backbone", "val_acc", "val_acc_change_pp", "baseline_val_acc",
          "delta_val_pp", "delta_val_edited_pp"]


def _mean(values: Sequence[float]) -> float | None:
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return sum(finite) / len(finite) if finite else None


def _pp(value: float | None) -> float | None:
    return None if value is None else round(100.0 * value, 3)


def ledger_line(number: int, from_epoch: int, history: Sequence[Mapping[str, Any]],
                edits: Sequence[Mapping[str, Any]], reach: np.ndarray | None = None,
                reach_backbone: np.ndarray | None = None) -> dict[str, Any]:
    """One ledger line for the round that trained from ``from_epoch`` to the last epoch in
    ``history`` (per-epoch metrics, with ``baseline_*`` keys when a baseline ran)."""
    by_epoch = {int(m.get("epoch", -1)): m for m in history}
    last = history[-1] if history else {}
    start = by_epoch.get(from_epoch, {})
    classes = sorted({int(e["class"]) for e in edits if e.get("class") is not None})
    line: dict[str, Any] = {
        "round": number, "from_epoch": from_epoch, "to_epoch": int(last.get("epoch", from_epoch)),
        "edits": "; ".join(f"{e.get('op')}" + (f" {e['class']}" if e.get("class") is not None
                                                 else "") for e in edits),
        "edited_classes": " ".join(map(str, classes)),
        "val_acc": last.get("val_acc"),
    }
    if start.get("val_acc") is not None and last.get("val_acc") is not None:
        line["val_acc_change_pp"] = _pp(float(last["val_acc"]) - float(start["val_acc"]))
    if reach is not None and classes:
        line["reach"] = _mean([reach[c] for c in classes if c < len(reach)])
        if reach_backbone is not None:
            line["reach_backbone"] = _mean([reach_backbone[c] for c in classes
                                            if c < len(reach_backbone)])
    base = last.get("baseline_val_acc")
    if base is not None and last.get("val_acc") is not None:
        line["baseline_val_acc"] = base
        line["delta_val_pp"] = _pp(float(last["val_acc"]) - float(base))
        mine, theirs = last.get("per_class_acc"), last.get("baseline_per_class_acc")
        if classes and mine and theirs:
            line["delta_val_edited_pp"] = _pp(_mean([mine[c] - theirs[c] for c in classes]))
    return line


class Ledger:
    """Appends ledger lines to a session folder's ``ledger.csv``."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / "ledger.csv"
        self._csv: CsvAppender | None = None

    def append(self, line: Mapping[str, Any]) -> None:
        if self._csv is None:
            self._csv = CsvAppender(self.path, FIELDS)
        self._csv.append({k: ("" if v is None else v) for k, v in line.items()})

    def close(self) -> None:
        if self._csv is not None:
            self._csv.close()
