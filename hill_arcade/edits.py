"""Undoable edits of the displayed 2D points (pure numpy; no pygame).

Every operation records the affected indices with their positions before and after, so undo and
redo are exact and unlimited. Operations sharing a ``gesture`` id (one drag) merge into a single
undo step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def class_means(points: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """(C, 2) float64 mean of each class's points; NaN rows for classes without points."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    labels = np.asarray(labels).reshape(-1)
    counts = np.bincount(labels, minlength=num_classes)[:num_classes].astype(np.float64)
    sums = np.stack([np.bincount(labels, points[:, k], num_classes)[:num_classes]
                     for k in range(2)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sums / counts[:, None]
    out[counts == 0] = np.nan
    return out


def class_stats(points: np.ndarray, labels: np.ndarray,
                num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-class (centers (C, 2), spreads (C,)) as float32; NaN for classes without points.

    The spread is the mean distance of a class's points to its center. This is the one place
    the UI, the kiosk, scripted participants and the round start compute HILL targets from
    points; the training side only converts the result to tensors.
    """
    points = np.asarray(points, np.float64).reshape(-1, 2)
    labels = np.asarray(labels).reshape(-1)
    centers = class_means(points, labels, num_classes)
    counts = np.bincount(labels, minlength=num_classes)[:num_classes]
    spreads = np.full(num_classes, np.nan)
    if len(labels):
        dist = np.linalg.norm(points - centers[labels], axis=1)
        sums = np.bincount(labels, dist, num_classes)[:num_classes]
        present = counts > 0
        spreads[present] = sums[present] / counts[present]
    return centers.astype(np.float32), spreads.astype(np.float32)


@dataclass
class Edit:
    """One undoable command: positions of ``indices`` go from ``before`` to ``after``."""

    op: str
    indices: np.ndarray
    before: np.ndarray
    after: np.ndarray
    cls: int | None = None
    point: int | None = None
    gesture: int | None = None


class EditState:
    """The display positions of one snapshot plus the user's undoable edits."""

    def __init__(self, base: np.ndarray, labels: np.ndarray) -> None:
        self.base = np.asarray(base, np.float32).reshape(-1, 2).copy()
        self.labels = np.asarray(labels, np.int64).reshape(-1)
        self.positions = self.base.copy()
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        self.version = 0  # bumps on every change (render caches key on it)
        self._edited_at: tuple[int, bool] = (0, False)  # (version, edited)

    # queries -------------------------------------------------------------------------
    @property
    def edited(self) -> bool:
        """True when the positions differ from the snapshot's projection."""
        if self._edited_at[0] != self.version:
            self._edited_at = (self.version, not np.array_equal(self.positions, self.base))
        return self._edited_at[1]

    def class_indices(self, c: int) -> np.ndarray:
        return np.flatnonzero(self.labels == c)

    def center(self, c: int) -> np.ndarray:
        """Mean of class ``c``'s current positions (NaN if the class has no points)."""
        idx = self.class_indices(c)
        if len(idx) == 0:
            return np.full(2, np.nan, np.float32)
        return self.positions[idx].mean(axis=0)

    def centers(self, num_classes: int) -> np.ndarray:
        """(C, 2) current class centers; NaN rows for empty classes."""
        return class_means(self.positions, self.labels, num_classes).astype(np.float32)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def undo_depth(self) -> int:
        """Number of commands that can be undone."""
        return len(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    # operations ------------------------------------------------------------------------
    def move_point(self, i: int, delta: np.ndarray, gesture: int | None = None) -> Edit | None:
        """Move one point by ``delta`` (latent units)."""
        idx = np.array([int(i)])
        new = self.positions[idx] + np.asarray(delta, np.float32)
        return self._apply("move_point", idx, new, point=int(i), gesture=gesture)

    def move_points(self, indices: np.ndarray, delta: np.ndarray,
                    gesture: int | None = None) -> Edit | None:
        """Move a set of points (a lasso selection) by ``delta``."""
        idx = np.unique(np.asarray(indices, np.int64))
        new = self.positions[idx] + np.asarray(delta, np.float32)
        return self._apply("move_points", idx, new, gesture=gesture)

    def move_class(self, c: int, delta: np.ndarray, gesture: int | None = None) -> Edit | None:
        """Translate all of class ``c`` by ``delta``."""
        idx = self.class_indices(c)
        new = self.positions[idx] + np.asarray(delta, np.float32)
        return self._apply("move_class", idx, new, cls=int(c), gesture=gesture)

    def scale_class(self, c: int, factor: float, gesture: int | None = None) -> Edit | None:
        """Scale class ``c``'s spread by ``factor`` around its center."""
        idx = self.class_indices(c)
        if len(idx) == 0:
            return None
        center = self.positions[idx].mean(axis=0)
        new = center + (self.positions[idx] - center) * np.float32(factor)
        return self._apply("scale_class", idx, new, cls=int(c), gesture=gesture)

    def collapse_class(self, c: int) -> Edit | None:
        """Move every point of class ``c`` onto its center."""
        idx = self.class_indices(c)
        if len(idx) == 0:
            return None
        center = self.positions[idx].mean(axis=0)
        new = np.broadcast_to(center, (len(idx), 2))
        return self._apply("collapse_class", idx, new, cls=int(c))

    def restore(self, indices: np.ndarray) -> Edit | None:
        """Put ``indices`` back where the snapshot has them (itself undoable)."""
        idx = np.unique(np.asarray(indices, np.int64))
        return self._apply("reset", idx, self.base[idx])

    def reset(self) -> Edit | None:
        """Back to the snapshot's projection (itself undoable)."""
        idx = np.arange(len(self.positions))
        return self._apply("reset", idx, self.base[idx])

    def undo(self) -> Edit | None:
        """Revert the last command; returns it (None if nothing to undo)."""
        if not self._undo:
            return None
        edit = self._undo.pop()
        self.positions[edit.indices] = edit.before
        self._redo.append(edit)
        self.version += 1
        return edit

    def redo(self) -> Edit | None:
        """Re-apply the last undone command."""
        if not self._redo:
            return None
        edit = self._redo.pop()
        self.positions[edit.indices] = edit.after
        self._undo.append(edit)
        self.version += 1
        return edit

    def _apply(self, op: str, idx: np.ndarray, new: np.ndarray, *, cls: int | None = None,
               point: int | None = None, gesture: int | None = None) -> Edit | None:
        if len(idx) == 0:
            return None
        new = np.array(new, np.float32)
        last = self._mergeable(op, idx, gesture)
        if last is not None:
            last.after = new.copy()
            edit = last
        else:
            edit = Edit(op, idx, self.positions[idx].copy(), new.copy(), cls, point, gesture)
            self._undo.append(edit)
        self._redo.clear()
        self.positions[idx] = new
        self.version += 1
        return edit

    def _mergeable(self, op: str, idx: np.ndarray, gesture: int | None) -> Edit | None:
        """The open command of this gesture, if only disjoint commands (another pointer) follow."""
        if gesture is None:
            return None
        later: list[Edit] = []
        for edit in reversed(self._undo[-16:]):
            if edit.gesture == gesture:
                if edit.op != op or not np.array_equal(edit.indices, idx):
                    return None
                if any(np.intersect1d(e.indices, idx).size for e in later):
                    return None
                return edit
            later.append(edit)
        return None
