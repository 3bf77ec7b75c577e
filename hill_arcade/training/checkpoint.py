"""Checkpoints: written atomically (temp file + rename), read with `weights_only=True`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from hill_arcade.errors import CheckpointError

REQUIRED_KEYS = ("format", "model", "probe", "optimizer", "epoch", "step", "projection_frozen",
                 "targets", "history", "scene")


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """Write `state` to `path` so that a crash never leaves a half-written file behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint; a missing, corrupt or foreign file raises CheckpointError (one line)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt or foreign files
        raise CheckpointError(f"{path}: not a readable hill-arcade checkpoint "
                              f"(corrupt, truncated or not saved by hill-arcade: "
                              f"{type(exc).__name__})") from None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: not a hill-arcade checkpoint (top level is not a dict)")
    missing = [k for k in REQUIRED_KEYS if k not in state]
    if missing:
        raise CheckpointError(
            f"{path}: not a hill-arcade checkpoint (missing {', '.join(missing)})")
    return state


def restore(trainer: Any, path: str | Path) -> dict[str, Any]:
    """Load `path` into `trainer`; a checkpoint of another model/scene is a CheckpointError."""
    state = load_checkpoint(path)
    try:
        trainer.load_state(state)
    except (RuntimeError, KeyError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path}: does not fit this scene's model ({first[:160]})") from None
    return state
