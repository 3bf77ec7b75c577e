"""The attract demo: scripted edits that spread the classes evenly on a circle (pure numpy).

Each call to `next_move` drags one class part of the way toward its slot on the circle; after
`moves_per_round` moves `round_due` says it is time to train. The slot layout is planned once
(from the first points seen) and kept until `reset()`, so the demo keeps a steady goal while
training reshapes the projection. Deterministic for a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hill_arcade.edits import class_stats

SPREAD_GAP = 3.0  # neighbouring slots are at least this many class spreads apart
EXPAND = 1.25  # the circle is at least this much wider than the current layout


@dataclass(frozen=True)
class DemoMove:
    """Drag every point of `class_id` by `delta` (latent units)."""

    class_id: int
    delta: np.ndarray  # (2,) float32


def apply_move(points: np.ndarray, labels: np.ndarray, move: DemoMove) -> np.ndarray:
    """A copy of `points` with the moved class shifted by the move's delta."""
    moved = np.array(points, np.float32, copy=True)
    moved[np.asarray(labels) == move.class_id] += move.delta.astype(np.float32)
    return moved


class AttractScript:
    """Scripted demo strategy: pull classes apart toward evenly spaced positions on a circle."""

    def __init__(self, num_classes: int, seed: int = 0, moves_per_round: int = 3,
                 step_fraction: float = 0.6, tolerance: float = 0.05) -> None:
        if num_classes < 2:
            raise ValueError(f"the attract demo needs at least 2 classes, got {num_classes}")
        self.num_classes = num_classes
        self.seed = seed
        self.moves_per_round = max(1, int(moves_per_round))
        self.step_fraction = float(step_fraction)
        self.tolerance = float(tolerance)
        self.reset()

    def reset(self) -> None:
        """Forget the planned layout and the move count (after an auto-reset)."""
        self._rng = np.random.default_rng(self.seed)
        self._goals: np.ndarray | None = None
        self._queue: list[int] = []
        self._moves_since_round = 0

    @property
    def goals(self) -> np.ndarray | None:
        """The planned (C, 2) slot of every class (NaN for absent classes), once planned."""
        return None if self._goals is None else self._goals.copy()

    @property
    def round_due(self) -> bool:
        """True once enough moves were made since the last training round."""
        return self._moves_since_round >= self.moves_per_round

    def round_started(self) -> None:
        """Call when the demo triggers a training round."""
        self._moves_since_round = 0

    def plan(self, points: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Plan (once) and return the goal slot of every class on an evenly spaced circle."""
        if self._goals is None:
            self._goals = self._plan(points, labels)
        return self._goals.copy()

    def next_move(self, points: np.ndarray, labels: np.ndarray) -> DemoMove | None:
        """The next scripted edit for the current display points, or None when all are in place.

        Classes are visited in a seeded shuffled order; each move covers `step_fraction` of the
        way to the class's slot.
        """
        goals = self.plan(points, labels)
        centers, _ = class_stats(points, labels, self.num_classes)
        offsets = goals - centers
        distance = np.linalg.norm(offsets, axis=1)
        scale = self._radius_scale(goals)
        movable = np.isfinite(distance) & (distance > self.tolerance * scale)
        if not movable.any():
            return None
        for _ in range(2):  # refill the visiting order at most once
            while self._queue:
                class_id = self._queue.pop()
                if movable[class_id]:
                    self._moves_since_round += 1
                    delta = (self.step_fraction * offsets[class_id]).astype(np.float32)
                    return DemoMove(class_id, delta)
            self._queue = [int(c) for c in self._rng.permutation(self.num_classes)]
        return None  # unreachable: some class is movable

    # planning ---------------------------------------------------------------------------
    def _plan(self, points: np.ndarray, labels: np.ndarray) -> np.ndarray:
        centers, spreads = class_stats(points, labels, self.num_classes)
        present = np.flatnonzero(np.isfinite(centers).all(axis=1))
        goals = np.full((self.num_classes, 2), np.nan)
        if present.size == 0:
            return goals
        middle = centers[present].mean(axis=0)
        rel = centers[present] - middle
        current = float(np.linalg.norm(rel, axis=1).mean())
        spread = float(np.nanmean(spreads[present])) if present.size else 0.0
        k = max(present.size, 2)
        needed = SPREAD_GAP * spread / (2.0 * np.sin(np.pi / k))
        radius = max(needed, EXPAND * current, 1e-3)
        phase = self._rng.uniform(0.0, 2.0 * np.pi)
        angles = phase + 2.0 * np.pi * np.arange(present.size) / present.size
        slots = middle + radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        # keep the classes' angular order and pick the rotation that moves them least
        order = present[np.argsort(np.arctan2(rel[:, 1], rel[:, 0]))]
        best, best_cost = 0, np.inf
        for shift in range(present.size):
            cost = float(((centers[order] - np.roll(slots, -shift, axis=0)) ** 2).sum())
            if cost < best_cost:
                best, best_cost = shift, cost
        goals[order] = np.roll(slots, -best, axis=0)
        return goals

    @staticmethod
    def _radius_scale(goals: np.ndarray) -> float:
        finite = goals[np.isfinite(goals).all(axis=1)]
        if len(finite) == 0:
            return 1.0
        return max(float(np.linalg.norm(finite - finite.mean(axis=0), axis=1).mean()), 1e-3)
