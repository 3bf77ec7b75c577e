"""Append-only JSON-lines session log (``events.jsonl``), safe to call from any thread."""

from __future__ import annotations

import json
import math
import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np


def default_log_dir() -> Path:
    """``./hill-runs/<YYYYmmdd-HHMMSS>/``."""
    return Path("hill-runs") / datetime.now().strftime("%Y%m%d-%H%M%S")


def _plain(value: Any) -> Any:
    """JSON-safe copy: arrays to lists, NaN/inf to None, numpy scalars to Python."""
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class SessionLog:
    """One JSON object per line with ``t`` (unix seconds) and ``type``; flushed and fsynced."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / "events.jsonl"
        self._lock = threading.Lock()
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115

    def write(self, type_: str, **fields: Any) -> None:
        """Append one event."""
        record = {"t": time.time(), "type": type_}
        record.update(_plain(fields))
        line = json.dumps(record, allow_nan=False) + "\n"
        with self._lock:
            if self._file.closed:
                return
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())

    def event(self, event: dict[str, Any]) -> None:
        """Append a worker event dict (it carries its own ``type``)."""
        fields = dict(event)
        self.write(str(fields.pop("type", "event")), **fields)

    def close(self) -> None:
        with self._lock:
            self._file.close()


def read_events(path: Path) -> list[dict[str, Any]]:
    """All events of an ``events.jsonl`` file."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
