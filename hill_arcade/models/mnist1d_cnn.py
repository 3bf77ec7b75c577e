"""A small 1D CNN for MNIST-1D series (1 channel x 40 steps): three convs, the last two with
stride 2, flattened (= latent, so position information survives), then an FC head.

Kept small on purpose: a CPU epoch over 3,200 series is a fraction of a second, and it is still
learning at the default interaction points (epochs 25-45), which leaves edits room to matter.
"""

from __future__ import annotations

import torch
from torch import nn

from hill_arcade.errors import ConfigError


class Mnist1dCNN(nn.Module):
    """conv(k5) -> conv(k3, /2) -> conv(k3, /2) -> flatten (latent) -> dropout -> FC -> FC."""

    def __init__(
        self,
        num_classes: int,
        input_shape: tuple[int, ...],
        channels: tuple[int, int, int],
        hidden: int,
        dropout: float,
    ) -> None:
        super().__init__()
        in_channels, length = input_shape
        c1, c2, c3 = channels
        self.features = nn.Sequential(
            nn.Conv1d(in_channels, c1, 5, padding=2),
            nn.ReLU(),
            nn.Conv1d(c1, c2, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv1d(c2, c3, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
        )
        out_len = ((length + 1) // 2 + 1) // 2  # two stride-2 convs with padding 1
        self.latent_dim = c3 * out_len
        self.head = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(self.latent_dim, hidden),
            nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent = self.features(x)
        return self.head(latent), latent


def build(
    num_classes: int,
    input_shape: tuple[int, ...],
    *,
    channels: tuple[int, int, int] = (32, 64, 64),
    hidden: int = 128,
    dropout: float = 0.1,
) -> Mnist1dCNN:
    """Build the MNIST-1D CNN for inputs of shape (channels, length), length >= 4."""
    if len(input_shape) != 2 or input_shape[1] < 4:
        raise ConfigError(
            f"model.name: mnist1d_cnn needs series inputs (channels, length>=4), "
            f"got input shape {tuple(input_shape)}"
        )
    if min(channels) < 1:
        raise ConfigError(f"model.params.channels: expected positive integers, got {channels}")
    if hidden < 1:
        raise ConfigError(f"model.params.hidden: expected a positive integer, got {hidden}")
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"model.params.dropout: expected a value in [0, 1), got {dropout}")
    return Mnist1dCNN(num_classes, tuple(input_shape), tuple(channels), hidden, dropout)
