"""Reach: how much of an edit the model has followed (pure numpy; the UI imports it).

For a class with a target, *center reach* is the distance covered from where the class was when
its target was set (its start center) towards the target, projected onto the start -> target
direction and divided by the start -> target distance: 1 = arrived, 0 = not moved, negative =
moved the wrong way, above 1 = overshot. Movement across that direction does not count.
*Spread reach* is the same for the spread (mean distance of a class's points to its center):
``(now - start) / (target - start)``.

The *backbone* variants first divide out the change of the projection's global ``scale``
(``now * scale_start / scale_now``): a zoom moves every displayed point but not the latent
space, so only what is left is movement the backbone made.

Classes without a target, or whose target equals its start (nothing to reach), get NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_DISTANCE = 1e-6  # start -> target distances below this (display units) count as "no edit"


@dataclass(frozen=True)
class Reach:
    """Per-class reach, each (C,) float64 with NaN where a class has nothing to reach."""

    center: np.ndarray
    spread: np.ndarray
    center_backbone: np.ndarray
    spread_backbone: np.ndarray


def center_reach(start: np.ndarray, target: np.ndarray, now: np.ndarray,
                 min_distance: float = MIN_DISTANCE) -> np.ndarray:
    """(C,) projected fraction of the start -> target vector covered by start -> now."""
    start, target, now = (np.asarray(a, np.float64).reshape(-1, 2) for a in (start, target, now))
    wanted = target - start
    moved = now - start
    length_sq = (wanted * wanted).sum(axis=1)
    out = np.full(len(start), np.nan)
    ok = np.isfinite(length_sq) & np.isfinite(moved).all(axis=1) & (length_sq > min_distance**2)
    out[ok] = (moved[ok] * wanted[ok]).sum(axis=1) / length_sq[ok]
    return out


def spread_reach(start: np.ndarray, target: np.ndarray, now: np.ndarray,
                 min_distance: float = MIN_DISTANCE) -> np.ndarray:
    """(C,) fraction of the start -> target spread change covered by start -> now."""
    start, target, now = (np.asarray(a, np.float64).reshape(-1) for a in (start, target, now))
    wanted = target - start
    out = np.full(len(start), np.nan)
    ok = np.isfinite(wanted) & np.isfinite(now) & (np.abs(wanted) > min_distance)
    out[ok] = (now[ok] - start[ok]) / wanted[ok]
    return out


def reach(start_centers: np.ndarray, start_spreads: np.ndarray,
          target_centers: np.ndarray, target_spreads: np.ndarray,
          now_centers: np.ndarray, now_spreads: np.ndarray,
          scale_start: float = 1.0, scale_now: float = 1.0,
          min_distance: float = MIN_DISTANCE) -> Reach:
    """Center and spread reach per class, as shown and with the ``scale`` change divided out.

    All positions are in display units; ``start_*`` are the class statistics when the target
    was set (``scale_start`` then), ``now_*`` the current ones (``scale_now``). NaN rows in
    the targets mean "no target".
    """
    if not (np.isfinite(scale_start) and np.isfinite(scale_now)) or scale_now == 0:
        raise ValueError(f"scales must be finite and scale_now nonzero, got "
                         f"{scale_start} and {scale_now}")
    unzoom = float(scale_start) / float(scale_now)
    now_c = np.asarray(now_centers, np.float64)
    now_s = np.asarray(now_spreads, np.float64)
    return Reach(
        center=center_reach(start_centers, target_centers, now_c, min_distance),
        spread=spread_reach(start_spreads, target_spreads, now_s, min_distance),
        center_backbone=center_reach(start_centers, target_centers, now_c * unzoom,
                                     min_distance),
        spread_backbone=spread_reach(start_spreads, target_spreads, now_s * unzoom,
                                     min_distance),
    )
