"""MNIST-1D: ten 1D digit templates, padded, sheared, scaled, shifted and noised into length-40
series (Greydanus 2020, "Scaling down deep learning", arXiv 2011.14439; the `mnist1d` package,
Apache-2.0). Generated offline in about a second, so it needs no download.

Splits: the package's own train/test split of the generated set (test = its last 20 %, the
published test set when ``data_seed`` is 42). Validation is a stratified ``val_fraction`` of the
package's train part drawn with the run seed; ``limit_per_class`` then keeps that many training
samples per class (the rest of the train part is unused), for a variant with more headroom.
"""

from __future__ import annotations

import functools
import random

import numpy as np
import torch

from hill_arcade.config import Mnist1dParams
from hill_arcade.data.base import DatasetSplits, Split
from hill_arcade.data.digits import stratified_fractions
from hill_arcade.errors import DatasetError

SEQ_LEN = 40
CLASS_NAMES = [str(i) for i in range(10)]


@functools.lru_cache(maxsize=4)
def generate(num_samples: int = 5000, data_seed: int = 42) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test) from the package's generator, cached per process.

    Arrays are read-only: every caller shares them. x is float32 (N, 40), y int64 (N,).
    """
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as exc:
        raise DatasetError(f"mnist1d: the 'mnist1d' package is not installed ({exc})") from None
    args = get_dataset_args()
    args.num_samples = int(num_samples)
    args.seed = int(data_seed)
    # make_dataset seeds the global `random` and `numpy.random` states: put them back after.
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        data = make_dataset(args)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    arrays = (
        np.asarray(data["x"], dtype=np.float32),
        np.asarray(data["y"], dtype=np.int64),
        np.asarray(data["x_test"], dtype=np.float32),
        np.asarray(data["y_test"], dtype=np.int64),
    )
    for a in arrays:
        a.flags.writeable = False
    return arrays


def limit_per_class(labels: np.ndarray, idx: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """At most `limit` indices of `idx` per class, drawn with `seed`, returned sorted."""
    rng = np.random.default_rng([seed, 1])  # its own stream: the val split stays the same
    kept = []
    for c in np.unique(labels[idx]):
        members = idx[labels[idx] == c]
        kept.append(members[rng.permutation(len(members))[:limit]])
    return np.sort(np.concatenate(kept)) if kept else idx[:0]


def load_mnist1d(params: Mnist1dParams, seed: int) -> DatasetSplits:
    """MNIST-1D as (N, 1, 40) float32 series with a seeded stratified train/val split."""
    x, y, x_test, y_test = generate(params.num_samples, params.data_seed)
    val_idx, train_idx = stratified_fractions(y, (params.val_fraction,), seed)
    if params.limit_per_class is not None:
        train_idx = limit_per_class(y, train_idx, params.limit_per_class, seed)
    if len(train_idx) == 0 or len(val_idx) == 0:
        raise DatasetError(
            f"mnist1d: num_samples {params.num_samples} leaves an empty train or val split"
        )

    def split(xs: np.ndarray, ys: np.ndarray) -> Split:
        return Split(torch.tensor(xs[:, None, :]), torch.tensor(ys))

    return DatasetSplits(
        train=split(x[train_idx], y[train_idx]),
        val=split(x[val_idx], y[val_idx]),
        test=split(x_test, y_test),
        class_names=list(CLASS_NAMES),
        input_shape=(1, SEQ_LEN),
        render_sample=render_sample,
    )


def render_sample(x: torch.Tensor | np.ndarray) -> np.ndarray:
    """A sample for display: its 40 values as a 1D float32 series (drawn as a sparkline)."""
    return np.asarray(x, dtype=np.float32).reshape(-1)


def describe() -> str:
    """Status line for ``hill-arcade data mnist1d``."""
    x, _, x_test, _ = generate()
    return (f"mnist1d: {len(x)} train + {len(x_test)} test series of length {SEQ_LEN} "
            "(10 classes), generated offline by the mnist1d package; nothing to fetch")
