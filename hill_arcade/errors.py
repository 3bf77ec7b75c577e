"""User-facing errors: each carries one line that says what was wrong and where.

:func:`one_line` is the one place that turns the OS, decode and resource errors that can
escape a command (a folder that is a file, a full disk, a non-UTF-8 file, a structure nested
too deep) into that line; the CLI prints it as ``hill-arcade: error: ...`` and exits 2.
"""

from __future__ import annotations

import errno
import os


class HillError(Exception):
    """An error the CLI prints as one line (no traceback) before exiting with status 2."""


class ConfigError(HillError):
    """A scene file is unreadable or invalid; the message names file, key path and expectation."""


class DatasetError(HillError):
    """A dataset is missing or malformed; the message names the path and how to fetch it."""


class CheckpointError(HillError):
    """A checkpoint cannot be read or does not fit the scene."""


class LogWriteError(HillError, OSError):
    """Appending to a log failed (disk full, folder gone, read-only). The UI catches it to show
    "cannot record: ..." and stop training; the log stays appendable once space returns."""

    def __init__(self, path: object, exc: OSError) -> None:
        self.path = path
        self.reason = describe_os_error(exc)
        self.disk_full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        super().__init__(f"{path}: cannot record ({self.reason})")


class SessionLockedError(HillError):
    """Another live process holds a study session's lock; ``pid`` names it."""

    def __init__(self, message: str, pid: int | None) -> None:
        self.pid = pid
        super().__init__(message)


def describe_os_error(exc: OSError) -> str:
    """Short, stable words for an OSError ("disk full", "not a directory", ...)."""
    words = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded",
             errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
             errno.EPERM: "operation not permitted", errno.ENOTDIR: "not a directory",
             errno.EISDIR: "is a directory", errno.EEXIST: "already exists",
             errno.ENOENT: "no such file or directory"}
    if exc.errno in words:
        return words[exc.errno]
    return exc.strerror or (str(exc) or type(exc).__name__)


def one_line(exc: BaseException) -> str | None:
    """The one-line message for an error a user can cause, or None for a programming error."""
    if isinstance(exc, HillError):
        return " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError):
        path = exc.filename if exc.filename is not None else None
        where = f"{os.fsdecode(path)}: " if path is not None else ""
        if exc.filename2 is not None:
            where += f"-> {os.fsdecode(exc.filename2)}: "
        return f"{where}{describe_os_error(exc)}"
    if isinstance(exc, UnicodeDecodeError):
        return (f"a file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                f"{exc.start})")
    if isinstance(exc, RecursionError):
        return "input nested too deeply"
    if isinstance(exc, MemoryError):
        return "out of memory (is an input file far larger than expected?)"
    return None
