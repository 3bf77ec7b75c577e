"""The app's session log (``events.jsonl``), safe to call from any thread.

It is an :class:`~hill_arcade.eventlog.EventLog`: one JSON object per line with ``t``
(unix seconds), a gap-free ``seq`` and ``type``; each event is flushed and fsynced, and a torn
last line from a crash is cut off when the folder is reopened, and a damaged line in the
middle is kept in ``events.jsonl.quarantine``; both are noted by a ``log_recovered`` event.
A failed write raises :class:`~hill_arcade.errors.LogWriteError` (e.g. disk full).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from hill_arcade import eventlog


def default_log_dir() -> Path:
    """``./hill-runs/<YYYYmmdd-HHMMSS>/``."""
    return Path("hill-runs") / datetime.now().strftime("%Y%m%d-%H%M%S")


class SessionLog:
    """``DIR/events.jsonl``; events written after :meth:`close` (a late trainer event while
    the app shuts down) are dropped."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        self.path = self.dir / "events.jsonl"
        self._log = eventlog.EventLog(self.path)
        log = self._log
        if log.recovered is not None or log.quarantined is not None:
            self.write("log_recovered",
                       dropped_bytes=0 if log.recovered is None else len(log.recovered),
                       quarantined_lines=[n for n, _ in log.bad_lines],
                       quarantine=log.quarantined)

    def write(self, type_: str, **fields: Any) -> None:
        """Append one event."""
        if not self._log.closed:
            try:
                self._log.append({"type": type_, **fields})
            except ValueError:
                if not self._log.closed:  # closed between the check and the append: drop it
                    raise

    def event(self, event: dict[str, Any]) -> None:
        """Append a worker event dict (it carries its own ``type``)."""
        fields = dict(event)
        self.write(str(fields.pop("type", "event")), **fields)

    def close(self) -> None:
        self._log.close()


def read_events(path: Path) -> list[dict[str, Any]]:
    """All complete events of an ``events.jsonl`` file."""
    return eventlog.read_events(path).events
