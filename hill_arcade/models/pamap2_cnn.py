"""The paper's PAMAP2 model: three 1D convs with dropout, global max + average pooling
(concatenated = latent), then a fully connected classification head."""

from __future__ import annotations

import torch
from torch import nn

from hill_arcade.errors import ConfigError


class Pamap2CNN(nn.Module):
    """Input (batch, sensor channels, time); latent = [global max, global mean] of the convs."""

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        channels: tuple[int, int, int],
        dropout: float,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        prev = in_channels
        for i, ch in enumerate(channels):
            layers += [nn.Conv1d(prev, ch, 5, padding=2), nn.ReLU(inplace=True)]
            if i < len(channels) - 1:
                layers.append(nn.Dropout(dropout))
            prev = ch
        self.features = nn.Sequential(*layers)
        self.latent_dim = 2 * prev
        self.head = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(self.latent_dim, 128),
            nn.ReLU(inplace=True),
            nn.Linear(128, num_classes),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)
        latent = torch.cat([h.amax(dim=2), h.mean(dim=2)], dim=1)
        return self.head(latent), latent


def build(
    num_classes: int,
    input_shape: tuple[int, ...],
    *,
    channels: tuple[int, int, int] = (64, 128, 128),
    dropout: float = 0.2,
) -> Pamap2CNN:
    """Build the PAMAP2 CNN for inputs of shape (sensor channels, window length)."""
    if len(input_shape) != 2:
        raise ConfigError(
            f"model.name: pamap2_cnn needs time-series inputs (channels, time), "
            f"got input shape {tuple(input_shape)}"
        )
    if min(channels) < 1:
        raise ConfigError(f"model.params.channels: expected positive integers, got {channels}")
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"model.params.dropout: expected a value in [0, 1), got {dropout}")
    return Pamap2CNN(num_classes, int(input_shape[0]), tuple(channels), dropout)
