"""The HILL loss (paper §3.2): human targets in the 2D projection plus cross-entropy.

A person's edits are summarised per class as a target *center* (2D) and a target *spread*
(mean distance of the class's points to its center). For the classes present in a batch with a
target, ``L_human`` averages three kinds of terms:

* center:     ``||mean_c - center_c||^2``
* spread:     ``| mean_i ||p_i - mean_c|| - spread_c |``
* separation: ``relu(spread_a + spread_b - ||mean_a - mean_b||)`` for each ordered pair a != b

``L_human = (sum of all terms) / K`` with K the number of terms, and
``L_global = (1 - alpha) * CE + alpha * L_human + lam * |1 - scale|``.

That is the ``paper`` variant (scene key ``hill.loss``). ``balanced`` changes four things, each
a :class:`LossOptions` flag (reasons and measured effects: README, "Method"):

* ``per_kind``: ``(sum of center terms + sum of spread terms) / C + sum of separation terms /
  (C (C - 1))`` with C the scene's classes, instead of ``sum / K``. With every class targeted
  (the paper's targets) K = 110 for 10 classes, so a dragged class's center term weighed
  alpha/110; and K depends on how many classes have targets (alpha/2 for one);
* ``relative_separation``: a pair asks for ``min(spread_a + spread_b, ||t_a - t_b||)``, the
  targets' own gap at most, so the term is zero for an unedited layout;
* ``unbiased_stats``: the batch statistics of a class (n points, ~6 at batch 64) are made
  unbiased against targets from ~125 display points: the spread is scaled by
  ``sqrt(n / (n - 1))`` and the center term loses ``sample variance / n``;
* ``hold_scale``: the projection's ``scale`` is not learned (the trainer reads this flag);
* ``squared_spread``, ``spread_weight``: ``3 * (spread - target)^2``. Squared like the center
  term, so one round covers a similar *fraction* of an edit whatever its size in display
  units; weighted 3 because at equal weight a class compacts ~3x more slowly per round than it
  translates (measured on digits: reach 0.47 vs 0.85 after 5 epochs).

Everything is vectorised over classes and computed in float32 (safe under fp16 autocast).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import torch
import torch.nn.functional as F

ArrayLike = TypeVar("ArrayLike", np.ndarray, torch.Tensor)


def _safe_norm(v: torch.Tensor) -> torch.Tensor:
    """Euclidean norm over the last dim, exact, with a zero (not NaN) gradient at 0."""
    sq = (v * v).sum(-1)
    positive = sq > 0
    # sqrt'(0) is inf and inf * 0 = NaN, so zero entries never reach sqrt
    return torch.where(positive, torch.sqrt(torch.where(positive, sq, torch.ones_like(sq))), 0.0)


def _class_stats(
    points: torch.Tensor, labels: torch.Tensor, num_classes: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-class (count, mean, mean distance to mean); rows of absent classes are 0."""
    counts = points.new_zeros(num_classes).index_add_(0, labels, points.new_ones(labels.shape))
    sums = points.new_zeros(num_classes, 2).index_add_(0, labels, points)
    denom = counts.clamp_min(1.0)
    means = sums / denom[:, None]
    dist = _safe_norm(points - means[labels])
    mean_dist = points.new_zeros(num_classes).index_add_(0, labels, dist) / denom
    return counts, means, mean_dist


@dataclass(frozen=True)
class LossOptions:
    """What a named loss variant changes relative to the paper's L_human (all off = paper)."""

    per_kind: bool = False  # each kind / its possible terms (C, C(C-1)) instead of sum / K
    relative_separation: bool = False  # require at most the targets' own gap between classes
    unbiased_stats: bool = False  # correct the few-points-per-class bias of center and spread
    hold_scale: bool = False  # the projection's `scale` is not learned (stays where it is)
    squared_spread: bool = False  # (spread - target)^2 like the center term, not |.|
    spread_weight: float = 1.0  # weight of the spread kind's mean (per_kind only)


LOSSES: dict[str, LossOptions] = {
    "paper": LossOptions(),
    "balanced": LossOptions(per_kind=True, relative_separation=True, unbiased_stats=True,
                            hold_scale=True, squared_spread=True, spread_weight=3.0),
}
PAPER = LOSSES["paper"]


def hill_loss(
    points2d: torch.Tensor,
    labels: torch.Tensor,
    target_centers: torch.Tensor,
    target_spreads: torch.Tensor,
    options: LossOptions = PAPER,
) -> torch.Tensor:
    """L_human for one batch: the center, spread and separation terms, normalised.

    Args:
        points2d: (B, 2) projected points (any float dtype; computed in float32).
        labels: (B,) int64 class ids in ``[0, C)``.
        target_centers: (C, 2) target class centers; a NaN row means "no target".
        target_spreads: (C,) target spreads; NaN means "no target".
        options: the loss variant (default: the paper's, the mean of all terms).

    Classes absent from the batch or without a (finite) target add no term. With no terms at
    all the result is a float32 zero that is still connected to ``points2d`` (``backward()``
    works and yields zero gradients). Targets are treated as constants (detached).
    """
    points = points2d.float()
    labels = labels.to(device=points.device, dtype=torch.long)
    centers = target_centers.detach().to(device=points.device, dtype=torch.float32)
    spreads = target_spreads.detach().to(device=points.device, dtype=torch.float32)
    num_classes = centers.shape[0]

    counts, means, mean_dist = _class_stats(points, labels, num_classes)
    valid = (counts > 0) & torch.isfinite(centers).all(dim=1) & torch.isfinite(spreads)
    # NaN targets must not reach the graph even where masked out (NaN * 0 = NaN)
    centers = torch.where(valid[:, None], centers, 0.0)
    spreads = torch.where(valid, spreads, 0.0)
    spread_valid = valid
    center_term = ((means - centers) ** 2).sum(dim=1)
    if options.unbiased_stats:
        # A batch holds ~6 points per class; the targets come from ~125. (1) x_i - mean over n
        # points has (n-1)/n of the class's variance, so the batch's mean distance is short by
        # sqrt((n-1)/n) (exact for Gaussian classes; 0.91 at n = 6), and the spread term pushed
        # every class to grow. (2) E||mean - t||^2 = ||mu - t||^2 + var/n: minimising it also
        # shrinks every class, a compaction nobody asked for. Subtracting the sample variance
        # / n makes the center term unbiased; each point is then pulled by the others only.
        spread_valid = valid & (counts > 1)
        many = counts > 1
        n = counts.clamp_min(2.0)
        mean_dist = mean_dist * torch.sqrt(n / (n - 1.0))
        sq_dist = ((points - means[labels]) ** 2).sum(dim=1)
        sq_sum = points.new_zeros(num_classes).index_add_(0, labels, sq_dist)
        center_term = torch.where(many, center_term - sq_sum / (n * (n - 1.0)), center_term)

    spread_term = (mean_dist - spreads).abs()
    if options.squared_spread:
        spread_term = spread_term**2
    pair_dist = _safe_norm(means[:, None, :] - means[None, :, :])
    wanted_gap = spreads[:, None] + spreads[None, :]
    if options.relative_separation:
        # never ask for more room than the targets themselves leave: zero for an unedited
        # layout, still active where a person pulled classes apart
        wanted_gap = torch.minimum(wanted_gap, _safe_norm(centers[:, None, :] - centers[None]))
    separation = F.relu(wanted_gap - pair_dist)
    eye = torch.eye(num_classes, dtype=torch.bool, device=points.device)
    pair_valid = valid[:, None] & valid[None, :] & ~eye

    center_sum = torch.where(valid, center_term, 0.0).sum()
    spread_sum = torch.where(spread_valid, spread_term, 0.0).sum()
    pair_sum = torch.where(pair_valid, separation, 0.0).sum()
    n_center, n_spread, n_pairs = (m.sum().to(torch.float32)
                                   for m in (valid, spread_valid, pair_valid))
    if options.per_kind:
        # per kind, over the terms the scene's C classes could have: a class's pull depends
        # neither on the other kinds' term counts nor on how many other classes have targets
        pairs = max(num_classes * (num_classes - 1), 1)
        return (center_sum + options.spread_weight * spread_sum) / num_classes + pair_sum / pairs
    # the paper's K: per class a center and a spread term, plus the ordered pairs
    num_terms = n_center + n_spread + n_pairs
    return (center_sum + spread_sum + pair_sum) / num_terms.clamp_min(1.0)


def targets_from_points(
    points2d: ArrayLike, labels: ArrayLike, num_classes: int
) -> tuple[ArrayLike, ArrayLike]:
    """Per-class (centers (C, 2), spreads (C,)) of a point set; NaN rows for empty classes.

    Numpy in -> float32 numpy out; tensor in -> detached float32 tensor on the same device.
    """
    as_numpy = isinstance(points2d, np.ndarray)
    points = torch.as_tensor(np.asarray(points2d) if as_numpy else points2d.detach())
    points = points.to(torch.float32).reshape(-1, 2)
    labels_t = torch.as_tensor(labels).to(device=points.device, dtype=torch.long).reshape(-1)
    with torch.no_grad():
        counts, centers, spreads = _class_stats(points, labels_t, num_classes)
        empty = counts == 0
        centers = centers.masked_fill(empty[:, None], float("nan"))
        spreads = spreads.masked_fill(empty, float("nan"))
    if as_numpy:
        return centers.cpu().numpy(), spreads.cpu().numpy()
    return centers, spreads


def loss_terms(
    logits: torch.Tensor,
    labels: torch.Tensor,
    points2d: torch.Tensor,
    scale: torch.Tensor,
    target_centers: torch.Tensor | None,
    target_spreads: torch.Tensor | None,
    options: LossOptions = PAPER,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The three unweighted terms of L_global, float32: (CE, L_human, |1 - scale|).

    With ``target_centers=None`` L_human is a zero that carries no gradient.
    """
    ce = F.cross_entropy(logits.float(), labels)
    if target_centers is None:
        human = ce.new_zeros(())
    else:
        if target_spreads is None:
            raise ValueError("target_spreads is required when target_centers is given")
        human = hill_loss(points2d, labels, target_centers, target_spreads, options)
    return ce, human, (1.0 - scale.float()).abs().reshape(())


def global_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    points2d: torch.Tensor,
    scale: torch.Tensor,
    target_centers: torch.Tensor | None,
    target_spreads: torch.Tensor | None,
    alpha: float = 0.5,
    lam: float = 0.1,
    options: LossOptions = PAPER,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """L_global = (1 - alpha) * CE + alpha * L_human + lam * |1 - scale|.

    With ``target_centers=None`` the human term is 0 (the CE weight is still ``1 - alpha``;
    pass ``alpha=0`` for plain cross-entropy). Returns the float32 total and detached parts
    ``{"ce", "human", "scale", "total"}`` (no ``.item()``: the caller decides when to sync).
    """
    ce, human, scale_term = loss_terms(logits, labels, points2d, scale, target_centers,
                                       target_spreads, options)
    total = (1.0 - alpha) * ce + alpha * human + lam * scale_term
    parts = {"ce": ce, "human": human, "scale": scale_term, "total": total}
    return total, {k: v.detach() for k, v in parts.items()}
