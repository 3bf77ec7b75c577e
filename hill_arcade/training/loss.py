"""The HILL loss (paper §3.2): human targets in the 2D projection plus cross-entropy.

A person's edits are summarised per class as a target *center* (2D) and a target *spread*
(mean distance of the class's points to its center). For the classes present in a batch with a
target, ``L_human`` averages three kinds of terms:

* center:     ``||mean_c - center_c||^2``
* spread:     ``| mean_i ||p_i - mean_c|| - spread_c |``
* separation: ``relu(spread_a + spread_b - ||mean_a - mean_b||)`` for each ordered pair a != b

``L_human = (sum of all terms) / K`` with K the number of terms, and
``L_global = (1 - alpha) * CE + alpha * L_human + lam * |1 - scale|``.

Everything is vectorised over classes and computed in float32 (safe under fp16 autocast).
"""

from __future__ import annotations

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


def hill_loss(
    points2d: torch.Tensor,
    labels: torch.Tensor,
    target_centers: torch.Tensor,
    target_spreads: torch.Tensor,
) -> torch.Tensor:
    """L_human for one batch: mean of the center, spread and separation terms.

    Args:
        points2d: (B, 2) projected points (any float dtype; computed in float32).
        labels: (B,) int64 class ids in ``[0, C)``.
        target_centers: (C, 2) target class centers; a NaN row means "no target".
        target_spreads: (C,) target spreads; NaN means "no target".

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

    center_term = ((means - centers) ** 2).sum(dim=1)
    spread_term = (mean_dist - spreads).abs()
    pair_dist = _safe_norm(means[:, None, :] - means[None, :, :])
    separation = F.relu(spreads[:, None] + spreads[None, :] - pair_dist)
    eye = torch.eye(num_classes, dtype=torch.bool, device=points.device)
    pair_valid = valid[:, None] & valid[None, :] & ~eye

    total = (
        torch.where(valid, center_term + spread_term, 0.0).sum()
        + torch.where(pair_valid, separation, 0.0).sum()
    )
    n = valid.sum().to(torch.float32)
    num_terms = 2.0 * n + n * (n - 1.0)  # per class: center + spread; plus ordered pairs
    return total / num_terms.clamp_min(1.0)


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


def global_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    points2d: torch.Tensor,
    scale: torch.Tensor,
    target_centers: torch.Tensor | None,
    target_spreads: torch.Tensor | None,
    alpha: float = 0.5,
    lam: float = 0.1,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """L_global = (1 - alpha) * CE + alpha * L_human + lam * |1 - scale|.

    With ``target_centers=None`` the human term is 0 (the CE weight is still ``1 - alpha``;
    pass ``alpha=0`` for plain cross-entropy). Returns the float32 total and detached parts
    ``{"ce", "human", "scale", "total"}`` (no ``.item()``: the caller decides when to sync).
    """
    ce = F.cross_entropy(logits.float(), labels)
    if target_centers is None:
        human = ce.new_zeros(())
    else:
        if target_spreads is None:
            raise ValueError("target_spreads is required when target_centers is given")
        human = hill_loss(points2d, labels, target_centers, target_spreads)
    scale_term = (1.0 - scale.float()).abs().reshape(())
    total = (1.0 - alpha) * ce + alpha * human + lam * scale_term
    parts = {"ce": ce, "human": human, "scale": scale_term, "total": total}
    return total, {k: v.detach() for k, v in parts.items()}
