"""The fixed, class-balanced sample of training points the front end draws."""

from __future__ import annotations

import numpy as np
import torch


def balanced_indices(labels: torch.Tensor, per_class: int | str, seed: int) -> np.ndarray:
    """Up to `per_class` indices of each class (all with "all"), seeded, sorted by class."""
    y = labels.cpu().numpy()
    if per_class == "all":
        return np.argsort(y, kind="stable")
    rng = np.random.default_rng(seed + 7919)
    chosen = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        chosen.append(np.sort(rng.permutation(idx)[: int(per_class)]))
    return np.concatenate(chosen) if chosen else np.zeros(0, np.int64)
