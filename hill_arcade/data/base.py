"""The dataset contract every loader (built-in or plugin) fulfils."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Split:
    """One split held in memory: inputs `x` (float32, N x input_shape) and labels `y` (int64, N)."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.y.shape[0])


@dataclass
class DatasetSplits:
    """What a dataset factory returns.

    `augment`, when set, is applied by the trainer to each *training* batch (a batched tensor
    function, so it runs on the training device without per-sample Python work).

    `render_sample`, when set, turns one sample ``x`` (shape `input_shape`) into what a person
    recognises: a uint8 RGB image (H, W, 3) or a 1D float series (drawn as a sparkline).
    It is plain numpy (no pygame), so any front end can draw it.
    """

    train: Split
    val: Split
    test: Split
    class_names: list[str]
    input_shape: tuple[int, ...]
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None
    render_sample: Callable[[torch.Tensor], np.ndarray] | None = None

    @property
    def num_classes(self) -> int:
        return len(self.class_names)
