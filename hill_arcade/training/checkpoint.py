"""Checkpoints: written atomically (temp file + rename), read with `weights_only=True` and
validated field by field (types, ranges, finite weights, known format, shapes against the
scene's model) so a crafted or damaged file is one line naming the field, never a traceback."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from hill_arcade.errors import CheckpointError

REQUIRED_KEYS = ("format", "model", "probe", "optimizer", "epoch", "step", "projection_frozen",
                 "targets", "history", "scene")
FORMATS = (1,)
MAX_EPOCH = 1_000_000
MAX_STEP = 10**12


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
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, (OSError, RuntimeError)):  # torch reports a full disk as RuntimeError
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else \
                str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
            raise CheckpointError(f"{path}: cannot write checkpoint ({reason})") from None
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
    validate_state(state, path)
    return state


def _bad(path: str | Path, key: str, expected: str, got: Any) -> CheckpointError:
    shown = type(got).__name__ if isinstance(got, (dict, list, torch.Tensor)) else repr(got)
    return CheckpointError(f"{path}: {key}: expected {expected}, got {shown[:80]}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_tensors(path: str | Path, key: str, value: Any, *, finite: bool) -> None:
    """A (nested) dict of tensors and plain values; float tensors finite when `finite`."""
    stack = [(key, value)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, torch.Tensor):
            if finite and node.is_floating_point() and not bool(torch.isfinite(node).all()):
                raise _bad(path, where, "finite values", "NaN or infinity")
        elif isinstance(node, dict):
            stack.extend((f"{where}.{k}", v) for k, v in node.items())
        elif isinstance(node, (list, tuple)):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(node))


def validate_state(state: dict[str, Any], path: str | Path) -> None:
    """Check every field's type and range (not the shapes: see :func:`check_fits_scene`)."""
    if state["format"] not in FORMATS:
        raise _bad(path, "format", f"one of {FORMATS} (written by this version)",
                   state["format"])
    for key in ("model", "probe"):
        value = state[key]
        if not isinstance(value, dict) or not value \
                or not all(isinstance(v, torch.Tensor) for v in value.values()):
            raise _bad(path, key, "a state dict of tensors", value)
        _check_tensors(path, key, value, finite=True)
    optimizer = state["optimizer"]
    if not isinstance(optimizer, dict) or not isinstance(optimizer.get("state"), dict) \
            or not isinstance(optimizer.get("param_groups"), list):
        raise _bad(path, "optimizer", "an optimizer state dict (state, param_groups)", optimizer)
    _check_tensors(path, "optimizer", optimizer, finite=True)
    for key, top in (("epoch", MAX_EPOCH), ("step", MAX_STEP)):
        if not _is_int(state[key]) or not 0 <= state[key] <= top:
            raise _bad(path, key, f"an integer in 0..{top}", state[key])
    if not isinstance(state["projection_frozen"], bool):
        raise _bad(path, "projection_frozen", "true or false", state["projection_frozen"])
    history = state["history"]
    if not isinstance(history, list) or not all(isinstance(m, dict) for m in history):
        raise _bad(path, "history", "a list of per-epoch metric dicts", history)
    if not isinstance(state["scene"], dict):
        raise _bad(path, "scene", "the scene as a mapping", state["scene"])
    targets = state["targets"]
    if targets is not None:
        if not isinstance(targets, dict):
            raise _bad(path, "targets", "None or {centers, spreads}", targets)
        counts = []
        for key, dims in (("centers", (2,)), ("spreads", (1, 2))):
            t = targets.get(key)
            if not isinstance(t, torch.Tensor) or not t.is_floating_point() \
                    or t.ndim not in dims or (key == "centers" and t.shape[1] != 2):
                shape = "(classes, 2)" if key == "centers" else "(classes,) or (classes, 2)"
                raise _bad(path, f"targets.{key}", f"a float tensor {shape}", t)
            if bool(torch.isinf(t).any()):  # NaN rows are classes without a target
                raise _bad(path, f"targets.{key}", "finite values or NaN (no target)",
                           "infinity")
            counts.append(t.shape[0])
        if counts[0] != counts[1]:
            raise _bad(path, "targets", "centers and spreads for the same classes", counts)
    rng = state.get("rng")
    if rng is not None:
        if not isinstance(rng, dict) or not all(
                isinstance(rng.get(k), torch.Tensor) and rng[k].dtype == torch.uint8
                for k in ("shuffle", "torch")):
            raise _bad(path, "rng", "{shuffle, torch} byte tensors", rng)
    for key in ("alpha", "lam"):
        value = state.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value) or value < 0):
            raise _bad(path, key, "a finite number >= 0", value)
    lockstep = state.get("lockstep")
    if lockstep is not None:
        if not isinstance(lockstep, dict) or not isinstance(lockstep.get("twins", []), list):
            raise _bad(path, "lockstep", "a lockstep state mapping", lockstep)
        _check_tensors(path, "lockstep", lockstep, finite=False)  # a twin may have diverged


def check_fits_scene(state: dict[str, Any], scene: Any, path: str | Path) -> None:
    """Cheap checks against a scene without building its model: the model name and, when
    the checkpoint has targets, the class count of its probe."""
    saved = state["scene"].get("model", {})
    saved_name = saved.get("name") if isinstance(saved, dict) else None
    if saved_name is not None and saved_name != scene.model.name:
        raise CheckpointError(f"{path}: saved for model {saved_name!r}, but scene "
                              f"{scene.source} uses {scene.model.name!r}")
    weight = state["probe"].get("weight")
    targets = state["targets"]
    if isinstance(weight, torch.Tensor) and targets is not None \
            and targets["centers"].shape[0] != weight.shape[0]:
        raise _bad(path, "targets", f"{weight.shape[0]} classes (the probe's)",
                   f"{targets['centers'].shape[0]} classes")


def restore(trainer: Any, path: str | Path) -> dict[str, Any]:
    """Load `path` into `trainer`; a checkpoint of another model/scene is a CheckpointError."""
    state = load_checkpoint(path)
    classes = trainer.probe.out_features if hasattr(trainer, "probe") else None
    targets = state["targets"]
    if classes is not None and targets is not None and targets["centers"].shape[0] != classes:
        raise _bad(path, "targets", f"{classes} classes (this scene's)",
                   f"{targets['centers'].shape[0]} classes")
    try:
        trainer.load_state(state)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for foreign tensors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path}: does not fit this scene's model ({first[:160]})") from None
    return state
