"""Scripted participants: each strategy edits the displayed points like a person would.

A strategy gets the round's :class:`~hill_arcade.edits.EditState` (the snapshot's points) and
uses its operations (``move_class``, ``scale_class``, ``move_point``); the targets are then
computed from the edited positions by ``edits.class_stats``, exactly as the app's "Train next
round" does. Two strategies are controls that edit nothing:

* ``null`` sends the *unedited* layout as targets: a human term that carries no information
  (the app itself sends no targets without an edit);
* ``alpha_only`` sends all-NaN targets: no human term, CE weighted 1 − α.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hill_arcade.edits import Edit, EditState, class_stats
from hill_arcade.errors import HillError
from hill_arcade.shared import Targets

Strategy = Callable[[EditState, np.ndarray, int, np.random.Generator], list[Edit]]


def _spreads(edits: EditState, num_classes: int) -> np.ndarray:
    return class_stats(edits.positions, edits.labels, num_classes)[1]


def _present(edits: EditState, num_classes: int) -> list[int]:
    return [c for c in range(num_classes) if len(edits.class_indices(c))]


def separate(edits: EditState, predictions: np.ndarray, num_classes: int,
             rng: np.random.Generator) -> list[Edit]:
    """Push every class center outward: 1.5× its distance from the mean of the centers."""
    centers = edits.centers(num_classes)
    middle = np.nanmean(centers, axis=0)
    return [e for c in _present(edits, num_classes)
            if (e := edits.move_class(c, (centers[c] - middle) * 0.5)) is not None]


def compact(edits: EditState, predictions: np.ndarray, num_classes: int,
            rng: np.random.Generator) -> list[Edit]:
    """Halve every class's spread around its center."""
    return [e for c in _present(edits, num_classes)
            if (e := edits.scale_class(c, 0.5)) is not None]


def outliers(edits: EditState, predictions: np.ndarray, num_classes: int,
             rng: np.random.Generator) -> list[Edit]:
    """Drag misclassified points and points beyond 2× their class's spread onto its center."""
    centers = edits.centers(num_classes)
    spreads = _spreads(edits, num_classes)
    out = []
    for i in range(len(edits.labels)):
        c = int(edits.labels[i])
        offset = centers[c] - edits.positions[i]
        if predictions[i] != c or np.linalg.norm(offset) > 2.0 * spreads[c]:
            edit = edits.move_point(i, offset)
            if edit is not None:
                out.append(edit)
    return out


def _confused_pair(edits: EditState, predictions: np.ndarray,
                   num_classes: int) -> tuple[int, int]:
    """The two classes most often mistaken for each other; the two closest centers if none."""
    counts = np.zeros((num_classes, num_classes))
    np.add.at(counts, (edits.labels, predictions), 1)
    both = counts + counts.T
    np.fill_diagonal(both, 0)
    if both.max() > 0:
        a, b = np.unravel_index(int(np.argmax(both)), both.shape)
        return int(a), int(b)
    centers = edits.centers(num_classes)
    dist = np.linalg.norm(centers[:, None] - centers[None], axis=2)
    dist[~np.isfinite(dist)] = np.inf
    np.fill_diagonal(dist, np.inf)
    a, b = np.unravel_index(int(np.argmin(dist)), dist.shape)
    return int(a), int(b)


def confusion(edits: EditState, predictions: np.ndarray, num_classes: int,
              rng: np.random.Generator) -> list[Edit]:
    """Move the most confused pair of classes apart (their gap doubles)."""
    a, b = _confused_pair(edits, predictions, num_classes)
    ca, cb = edits.center(a), edits.center(b)
    half = (cb - ca) * 0.5
    return [e for e in (edits.move_class(a, -half), edits.move_class(b, half)) if e is not None]


def merge(edits: EditState, predictions: np.ndarray, num_classes: int,
          rng: np.random.Generator) -> list[Edit]:
    """Move the most confused pair of classes onto their common midpoint (a harmful edit)."""
    a, b = _confused_pair(edits, predictions, num_classes)
    ca, cb = edits.center(a), edits.center(b)
    mid = (ca + cb) * 0.5
    return [e for e in (edits.move_class(a, mid - ca), edits.move_class(b, mid - cb))
            if e is not None]


def random_edit(edits: EditState, predictions: np.ndarray, num_classes: int,
                rng: np.random.Generator) -> list[Edit]:
    """Move each class by a random offset (SD = the median spread) and rescale it randomly."""
    spreads = _spreads(edits, num_classes)
    sd = float(np.nanmedian(spreads)) if np.isfinite(spreads).any() else 0.1
    out = []
    for c in _present(edits, num_classes):
        for edit in (edits.move_class(c, rng.normal(0.0, sd, 2).astype(np.float32)),
                     edits.scale_class(c, float(np.exp(rng.normal(0.0, 0.3))))):
            if edit is not None:
                out.append(edit)
    return out


def no_edit(edits: EditState, predictions: np.ndarray, num_classes: int,
            rng: np.random.Generator) -> list[Edit]:
    """The controls (null, alpha_only) edit nothing."""
    return []


STRATEGIES: dict[str, Strategy] = {
    "null": no_edit,
    "separate": separate,
    "compact": compact,
    "outliers": outliers,
    "confusion": confusion,
    "merge": merge,
    "random": random_edit,
    "alpha_only": no_edit,
}


def check_strategy(name: str) -> str:
    """`name` if it is a known strategy or ``recorded:SESSION_DIR`` (a folder that holds a
    session's events.jsonl), else a one-line HillError listing them."""
    from hill_arcade.analysis.recorded import RecordedParticipant, is_recorded

    if is_recorded(name):
        RecordedParticipant.load(name)
        return name
    if name not in STRATEGIES:
        raise HillError(f"--strategy: expected one of {', '.join(STRATEGIES)} or "
                        f"recorded:SESSION_DIR, got {name!r}")
    return name


def play(name: str, edits: EditState, predictions: np.ndarray, num_classes: int,
         rng: np.random.Generator) -> tuple[list[Edit], Targets | None]:
    """Apply strategy `name` to `edits`; returns its edits and the targets the round sends."""
    applied = STRATEGIES[check_strategy(name)](edits, np.asarray(predictions), num_classes, rng)
    if name == "alpha_only":
        nan = np.full((num_classes, 2), np.nan, np.float32)
        return applied, Targets(nan, nan[:, 0].copy())
    if edits.edited or name == "null":
        return applied, Targets(*class_stats(edits.positions, edits.labels, num_classes))
    return applied, None
