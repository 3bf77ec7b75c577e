"""The dataset contract every loader (built-in or plugin) fulfils."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    """

    train: Split
    val: Split
    test: Split
    class_names: list[str]
    input_shape: tuple[int, ...]
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None

    @property
    def num_classes(self) -> int:
        return len(self.class_names)
