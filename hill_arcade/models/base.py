"""The model contract and the 2D projection head every model is wrapped with.

A classifier (built-in or plugin) is an ``nn.Module`` whose ``forward(x)`` returns
``(logits, latent)``, where ``latent`` is the flattened output of the conv stack (before the
fully connected head), and which has an integer attribute ``latent_dim``.
:class:`HillNet` adds the deterministic :class:`ProjectionHead` that maps latent -> 2D.
"""

from __future__ import annotations

import torch
from torch import nn


class ProjectionHead(nn.Module):
    """Fully connected latent -> 2D map with a learnable output `scale`.

    No batch statistics anywhere: a sample's 2D point never depends on the rest of its batch.
    """

    def __init__(self, latent_dim: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden), nn.Tanh(), nn.Linear(hidden, 2)
        )
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.net(latent) * self.scale

    def freeze(self) -> None:
        """Freeze the mapping (not `scale`, which the λ term keeps near 1)."""
        for p in self.net.parameters():
            p.requires_grad_(False)

    @property
    def frozen(self) -> bool:
        return not any(p.requires_grad for p in self.net.parameters())


class HillNet(nn.Module):
    """A classifier plus its projection head: forward -> (logits, latent, points2d)."""

    def __init__(self, classifier: nn.Module, projection_hidden: int = 64) -> None:
        super().__init__()
        latent_dim = getattr(classifier, "latent_dim", None)
        if not isinstance(latent_dim, int) or latent_dim < 1:
            raise TypeError("a HILL classifier needs an integer attribute `latent_dim`")
        self.classifier = classifier
        self.projection = ProjectionHead(latent_dim, projection_hidden)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, latent = self.classifier(x)
        return logits, latent, self.projection(latent)
