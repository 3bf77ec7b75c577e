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
    """Linear latent -> 2D map (``Linear(latent, hidden) -> Linear(hidden, 2)``) times `scale`.

    Linear on purpose: once frozen, every 2D point is reachable by moving the latent, and the
    gradient of a human target reaches the backbone undamped. A squashing hidden layer (tanh)
    bounds the frozen map's image: after pretraining on digits the outer classes sat near its
    edge, so a class dragged outward asked for a point no latent could produce, and only
    `scale` (a zoom of the whole layout) could get there. No batch statistics anywhere: a
    sample's 2D point never depends on the rest of its batch.

    `scale` multiplies every point, i.e. zooms the display around its origin; it changes no
    latent. Whether it learns is up to the loss variant (the trainer holds it for "balanced").
    """

    def __init__(self, latent_dim: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent_dim, hidden), nn.Linear(hidden, 2))
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.net(latent) * self.scale

    def freeze(self) -> None:
        """Freeze the mapping (not `scale`: see the class docstring)."""
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
