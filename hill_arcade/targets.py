"""A person's per-class HILL targets, kept across rounds (pure numpy; no pygame, no torch).

An edit sets a target (center + spread) for the class it moved; the target stays in force for
every following round until the person moves that class again or clears it. Each target also
remembers where its class was when it was set (the *start*), so the UI can show how much of
the edit the model has followed (:mod:`hill_arcade.reach`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hill_arcade.edits import class_stats
from hill_arcade.reach import Reach, reach
from hill_arcade.shared import Targets


@dataclass
class TargetSet:
    """Per-class rows; NaN rows are classes without a target."""

    num_classes: int
    centers: np.ndarray = field(init=False)
    spreads: np.ndarray = field(init=False)
    start_centers: np.ndarray = field(init=False)
    start_spreads: np.ndarray = field(init=False)
    start_scale: np.ndarray = field(init=False)
    version: int = 0  # bumps on every change (drawing caches key on it)

    def __post_init__(self) -> None:
        c = self.num_classes
        self.centers = np.full((c, 2), np.nan, np.float32)
        self.spreads = np.full(c, np.nan, np.float32)
        self.start_centers = np.full((c, 2), np.nan, np.float32)
        self.start_spreads = np.full(c, np.nan, np.float32)
        self.start_scale = np.ones(c, np.float32)

    @property
    def active(self) -> np.ndarray:
        """(C,) bool: classes with a target."""
        return np.isfinite(self.centers).all(axis=1) & np.isfinite(self.spreads)

    def __bool__(self) -> bool:
        return bool(self.active.any())

    def copy(self) -> TargetSet:
        out = TargetSet(self.num_classes)
        for name in ("centers", "spreads", "start_centers", "start_spreads", "start_scale"):
            setattr(out, name, getattr(self, name).copy())
        out.version = self.version
        return out

    def set_from_points(self, classes: np.ndarray, edited: np.ndarray, base: np.ndarray,
                        labels: np.ndarray, scale: float = 1.0) -> None:
        """Targets for ``classes`` from their edited points; starts from the unedited ones."""
        classes = np.asarray(classes, np.int64).reshape(-1)
        if classes.size == 0:
            return
        centers, spreads = class_stats(edited, labels, self.num_classes)
        starts, start_spreads = class_stats(base, labels, self.num_classes)
        self.centers[classes] = centers[classes]
        self.spreads[classes] = spreads[classes]
        self.start_centers[classes] = starts[classes]
        self.start_spreads[classes] = start_spreads[classes]
        self.start_scale[classes] = scale
        self.version += 1

    def clear(self, c: int | None = None) -> bool:
        """Drop class ``c``'s target (None: all); True if anything was dropped."""
        rows = self.active if c is None else np.eye(self.num_classes, dtype=bool)[c] & self.active
        if not rows.any():
            return False
        for name in ("centers", "spreads", "start_centers", "start_spreads"):
            getattr(self, name)[rows] = np.nan
        self.version += 1
        return True

    def targets(self) -> Targets | None:
        """What the trainer gets: per-class rows (NaN = none), or None without any target."""
        return Targets(self.centers.copy(), self.spreads.copy()) if self else None

    def reach(self, points: np.ndarray, labels: np.ndarray, scale: float = 1.0) -> Reach:
        """How far the classes in ``points`` (a projection, ``scale`` its global scale) have
        come from their starts towards their targets; NaN for classes without one."""
        now_c, now_s = class_stats(points, labels, self.num_classes)
        # each target started at its own scale: divide out the change since then per class
        unzoom = (self.start_scale / np.float32(scale if scale else 1.0)).astype(np.float64)
        shown = reach(self.start_centers, self.start_spreads, self.centers, self.spreads,
                      now_c, now_s)
        backbone = reach(self.start_centers, self.start_spreads, self.centers, self.spreads,
                         now_c * unzoom[:, None], now_s * unzoom)
        return Reach(shown.center, shown.spread, backbone.center, backbone.spread)

    def describe(self) -> dict[str, Any]:
        """JSON-ready rows of the active targets (for the log)."""
        idx = np.flatnonzero(self.active)
        return {"classes": idx.tolist(), "centers": self.centers[idx].tolist(),
                "spreads": self.spreads[idx].tolist(),
                "start_centers": self.start_centers[idx].tolist(),
                "start_spreads": self.start_spreads[idx].tolist()}
