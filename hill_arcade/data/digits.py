"""scikit-learn's 8x8 handwritten digits (1797 images, 10 classes, bundled: no download).

Split: per class, a permutation drawn from ``numpy.random.default_rng(seed)`` (classes in
ascending order) assigns ``round(n_c * val_fraction)`` images to val, ``round(n_c *
test_fraction)`` to test and the rest to train, so the split is stratified and identical on
every machine for the same seed. Each split keeps the original sample order.
"""

from __future__ import annotations

import numpy as np
import torch

from hill_arcade.config import DigitsParams
from hill_arcade.data.base import DatasetSplits, Split
from hill_arcade.errors import DatasetError


def stratified_fractions(
    labels: np.ndarray, fractions: tuple[float, ...], seed: int
) -> list[np.ndarray]:
    """Split indices into ``len(fractions) + 1`` parts, stratified by label, deterministically.

    Part ``i`` gets ``round(n_c * fractions[i])`` samples of every class ``c``; the last part
    gets the remainder. Every part is returned sorted (original order).
    """
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[] for _ in range(len(fractions) + 1)]
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        idx = idx[rng.permutation(len(idx))]
        start = 0
        for i, frac in enumerate(fractions):
            take = int(np.floor(len(idx) * frac + 0.5))
            parts[i].append(idx[start:start + take])
            start += take
        parts[-1].append(idx[start:])
    return [np.sort(np.concatenate(p)) if p else np.zeros(0, np.int64) for p in parts]


def load_digits(params: DigitsParams, seed: int) -> DatasetSplits:
    """Load the digits as (N, 1, 8, 8) float32 in [0, 1] with a seeded stratified split."""
    from sklearn.datasets import load_digits as sk_load_digits

    if params.val_fraction + params.test_fraction >= 0.9:
        raise DatasetError(
            "digits: val_fraction + test_fraction must leave at least 10% for training, got "
            f"{params.val_fraction} + {params.test_fraction}"
        )
    bunch = sk_load_digits()
    x = (bunch.images.astype(np.float32) / 16.0)[:, None, :, :]
    y = bunch.target.astype(np.int64)
    val_idx, test_idx, train_idx = stratified_fractions(
        y, (params.val_fraction, params.test_fraction), seed
    )

    def split(idx: np.ndarray) -> Split:
        return Split(torch.from_numpy(np.ascontiguousarray(x[idx])), torch.from_numpy(y[idx]))

    return DatasetSplits(
        train=split(train_idx),
        val=split(val_idx),
        test=split(test_idx),
        class_names=[str(i) for i in range(10)],
        input_shape=(1, 8, 8),
        render_sample=render_sample,
    )


def render_sample(x: torch.Tensor | np.ndarray) -> np.ndarray:
    """An 8x8 digit as a uint8 RGB image: dark ink on white, as it was scanned."""
    grey = np.asarray(x, np.float32).reshape(8, 8)
    ink = (255 - np.clip(grey, 0.0, 1.0) * 255).astype(np.uint8)
    return np.repeat(ink[:, :, None], 3, axis=2)
