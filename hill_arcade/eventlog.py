"""Crash-safe append-only logs: JSON lines (`EventLog`) and CSV rows (`CsvAppender`).

Every append is one `write` of one complete line followed by flush + `os.fsync`, so a crash
(SIGKILL, power loss) can at worst leave a torn last line. Readers drop that partial line and
report it; writers reopening the file cut it off before appending, so no line is ever glued
onto garbage and nothing complete is lost or duplicated.

A write that fails (disk full, ENOSPC) raises :class:`~hill_arcade.errors.LogWriteError` and
may leave part of a line behind; the writer cuts that part off before its next append, so the
log stays valid once space returns. A damaged line in the middle of a log (not a crash
artefact) is skipped by the reader and kept, byte for byte, in ``<name>.quarantine``; nothing
recorded around it is refused or rewritten.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hill_arcade.errors import HillError, LogWriteError

RESERVED = ("t", "seq")


def fsync_dir(path: Path) -> None:
    """fsync a directory so a newly created or renamed entry survives a crash (POSIX only)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _plain(value: Any) -> Any:
    """JSON-safe copy: numpy arrays/scalars to Python, NaN/inf to None, Paths to str."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _plain(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _complete_prefix(data: bytes) -> int:
    """Length of the prefix of `data` that ends with a newline (0 if none)."""
    return data.rfind(b"\n") + 1


@dataclass
class ReadResult:
    """Events read from a JSONL log; `torn` is the dropped partial last line (or None)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    torn: bytes | None = None
    valid_bytes: int = 0
    bad_lines: list[tuple[int, bytes]] = field(default_factory=list)  # (line number, bytes)

    @property
    def last_seq(self) -> int:
        """`seq` of the last complete event, 0 if there is none."""
        return int(self.events[-1].get("seq", 0)) if self.events else 0


def read_events(path: str | Path) -> ReadResult:
    """Read a JSONL event log, tolerating a torn last line (a crash mid-write).

    A missing file reads as empty. A corrupt line that is not the last is skipped and listed
    in `bad_lines` (damage, not a crash artefact: see :func:`quarantine`).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ReadResult()
    except IsADirectoryError:
        raise HillError(f"{path}: expected an event log file, got a folder") from None
    result = ReadResult()
    end = _complete_prefix(data)
    if end < len(data):
        result.torn = data[end:]
    offset = 0
    lines = data[:end].split(b"\n")[:-1]
    for number, line in enumerate(lines, start=1):
        line_end = offset + len(line) + 1
        try:
            event = json.loads(line.decode("utf-8")) if line.strip() else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            event = None
            if number == len(lines) and result.torn is None:
                # a newline-terminated but garbled last line (e.g. zero-filled after power loss)
                result.torn = line + b"\n"
                break
            result.bad_lines.append((number, line))
        if event is not None:
            if isinstance(event, dict):
                result.events.append(event)
            else:
                result.bad_lines.append((number, line))
        offset = line_end
    result.valid_bytes = offset
    return result


def quarantine(path: str | Path, bad_lines: list[tuple[int, bytes]]) -> Path | None:
    """Keep damaged lines of `path` in `<path>.quarantine` (JSON lines: line number and the
    raw bytes as latin-1 text); returns that file when it was newly written, else None."""
    if not bad_lines:
        return None
    target = Path(f"{path}.quarantine")
    body = "".join(json.dumps({"line": n, "raw": raw.decode("latin-1")}) + "\n"
                   for n, raw in bad_lines).encode()
    try:
        if target.exists() and target.read_bytes() == body:
            return None
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, target)
    except OSError as exc:
        raise LogWriteError(target, exc) from None
    return target


class _SyncedAppendFile:
    """An O_APPEND file descriptor that each subclass writes and fsyncs under `_lock`."""

    _fd: int | None
    _lock: threading.Lock

    @property
    def closed(self) -> bool:
        return self._fd is None

    def close(self) -> None:
        """Close the file; further appends raise."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self):  # noqa: ANN204  (returns the subclass instance)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventLog(_SyncedAppendFile):
    """Append-only JSONL writer: each event gets `t` (unix seconds) and a gap-free `seq`.

    On open, an existing file is scanned: a torn last line is cut off (reported in
    `self.recovered`) and `seq` continues after the last complete event. Thread-safe.
    """

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        existed = self.path.exists()
        state = read_events(self.path)
        self.recovered: bytes | None = state.torn
        self.bad_lines = state.bad_lines
        self.quarantined = quarantine(self.path, state.bad_lines)
        if existed and state.torn is not None:
            with open(self.path, "r+b") as f:
                f.truncate(state.valid_bytes)
                f.flush()
                os.fsync(f.fileno())
        self._seq = max((int(e.get("seq", 0)) for e in state.events
                         if isinstance(e.get("seq", 0), int)), default=0)
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._good = os.fstat(self._fd).st_size  # bytes that end with a complete line
        if not existed:
            fsync_dir(self.path.parent)

    @property
    def seq(self) -> int:
        """`seq` of the last event written (0 before the first)."""
        return self._seq

    def append(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Write one event durably; returns the record as written (with `t` and `seq`)."""
        clash = [k for k in RESERVED if k in event]
        if clash:
            raise ValueError(f"event key {clash[0]!r} is reserved by the event log")
        body = _plain(dict(event))
        with self._lock:
            if self._fd is None:
                raise ValueError(f"{self.path}: event log is closed")
            record = {"t": self._clock(), "seq": self._seq + 1, **body}
            line = (json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n").encode()
            self._good = _append_line(self._fd, line, self._good, self.path)
            self._seq += 1
        return record



def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _append_line(fd: int, line: bytes, good: int, path: Path) -> int:
    """Append one line durably after cutting off anything past `good` (part of a line left by
    an earlier failed write); returns the new good size. OSError -> LogWriteError."""
    try:
        if os.fstat(fd).st_size != good:
            os.ftruncate(fd, good)
        _write_all(fd, line)
        os.fsync(fd)
    except OSError as exc:
        raise LogWriteError(path, exc) from None
    return good + len(line)


class CsvAppender(_SyncedAppendFile):
    """Append-only CSV with the header written once; each row is fsynced.

    Reopening an existing file checks that its header matches `fieldnames` (ValueError if
    not) and cuts off a torn last row. Unknown keys raise; missing keys are left empty.
    """

    def __init__(self, path: str | Path, fieldnames: Sequence[str]) -> None:
        self.path = Path(path)
        self.fieldnames = list(fieldnames)
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.recovered: bytes | None = None
        existed = self.path.exists()
        if existed:
            self._recover()
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._good = os.fstat(self._fd).st_size
        if self._good == 0:
            self._good = _append_line(self._fd, self._encode(self.fieldnames), 0, self.path)
        if not existed:
            fsync_dir(self.path.parent)

    def _recover(self) -> None:
        data = self.path.read_bytes()
        end = _complete_prefix(data)
        if end < len(data):
            self.recovered = data[end:]
            with open(self.path, "r+b") as f:
                f.truncate(end)
                f.flush()
                os.fsync(f.fileno())
        if end == 0:
            return
        first = data[:end].decode("utf-8", errors="replace").splitlines()[0]
        header = next(csv.reader(io.StringIO(first)))
        if header != self.fieldnames:
            raise ValueError(f"{self.path}: existing header {header} does not match "
                             f"{self.fieldnames}")

    @staticmethod
    def _encode(values: Iterable[Any]) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(values)
        return buf.getvalue().encode("utf-8")

    def append(self, row: Mapping[str, Any]) -> None:
        """Write one row durably."""
        unknown = [k for k in row if k not in self.fieldnames]
        if unknown:
            raise ValueError(f"{self.path}: unknown column {unknown[0]!r}")
        values = []
        for name in self.fieldnames:
            v = row.get(name)
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                v = ""
            values.append(v)
        line = self._encode(values)
        with self._lock:
            if self._fd is None:
                raise ValueError(f"{self.path}: file is closed")
            self._good = _append_line(self._fd, line, self._good, self.path)


def read_csv(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV written by CsvAppender, dropping a torn last row."""
    data = Path(path).read_bytes()
    try:
        text = data[: _complete_prefix(data)].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HillError(f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                        f"{exc.start})") from None
    try:
        return list(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise HillError(f"{path}: not a readable CSV file ({exc})") from None
