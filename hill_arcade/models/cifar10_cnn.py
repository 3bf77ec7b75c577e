"""The paper's CIFAR-10 model: five convs with ReLU and dropout, interleaved with max-pooling,
then four fully connected layers (the last one the classifier)."""

from __future__ import annotations

import torch
from torch import nn

from hill_arcade.errors import ConfigError

BASE_CHANNELS = (64, 128, 256, 256, 512)
FC_SIZES = (256, 128, 64)


class Cifar10CNN(nn.Module):
    """Five conv blocks, each halving the spatial size (32 -> 1); latent = flattened output."""

    def __init__(
        self,
        num_classes: int,
        input_shape: tuple[int, ...],
        channels: tuple[int, ...],
        dropout: float,
    ) -> None:
        super().__init__()
        in_channels, height, width = input_shape
        layers: list[nn.Module] = []
        prev = in_channels
        for i, ch in enumerate(channels):
            layers += [nn.Conv2d(prev, ch, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            if i < len(channels) - 1:  # the latent itself is taken before any dropout
                layers.append(nn.Dropout(dropout))
            prev = ch
        layers.append(nn.Flatten())
        self.features = nn.Sequential(*layers)
        shrink = 2 ** len(channels)
        self.latent_dim = prev * (height // shrink) * (width // shrink)

        head: list[nn.Module] = []
        prev = self.latent_dim
        for size in FC_SIZES:
            head += [nn.Dropout(dropout), nn.Linear(prev, size), nn.ReLU(inplace=True)]
            prev = size
        head.append(nn.Linear(prev, num_classes))
        self.head = nn.Sequential(*head)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent = self.features(x)
        return self.head(latent), latent


def build(
    num_classes: int,
    input_shape: tuple[int, ...],
    *,
    width: float = 1.0,
    dropout: float = 0.2,
) -> Cifar10CNN:
    """Build the CIFAR-10 CNN; `width` multiplies the conv widths (64, 128, 256, 256, 512)."""
    if len(input_shape) != 3 or min(input_shape[1:]) < 2 ** len(BASE_CHANNELS):
        raise ConfigError(
            f"model.name: cifar10_cnn needs image inputs (channels, height>=32, width>=32), "
            f"got input shape {tuple(input_shape)}"
        )
    if width <= 0:
        raise ConfigError(f"model.params.width: expected a positive number, got {width}")
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"model.params.dropout: expected a value in [0, 1), got {dropout}")
    channels = tuple(max(1, round(c * width)) for c in BASE_CHANNELS)
    return Cifar10CNN(num_classes, tuple(input_shape), channels, dropout)
