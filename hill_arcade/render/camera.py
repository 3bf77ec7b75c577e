"""World (latent) <-> screen mapping for the latent view: fit, pan, zoom around a point."""

from __future__ import annotations

import numpy as np


class Camera:
    """Maps latent coordinates to pixels inside a view rectangle (x right, y down)."""

    def __init__(self, rect: tuple[int, int, int, int] = (0, 0, 800, 600)) -> None:
        self.rect = rect
        self.center = np.zeros(2, np.float64)  # world point shown at the rect's center
        self.scale = 100.0  # pixels per latent unit
        self.version = 0

    def set_rect(self, rect: tuple[int, int, int, int]) -> None:
        if tuple(rect) != tuple(self.rect):
            self.rect = tuple(rect)
            self.version += 1

    @property
    def screen_center(self) -> np.ndarray:
        x, y, w, h = self.rect
        return np.array([x + w / 2.0, y + h / 2.0])

    def fit(self, points: np.ndarray, margin: float = 0.1) -> None:
        """Center and scale so all finite points fit with a margin."""
        pts = np.asarray(points, np.float64).reshape(-1, 2)
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) == 0:
            return
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        self.center = (lo + hi) / 2.0
        span = np.maximum(hi - lo, 1e-6)
        _, _, w, h = self.rect
        self.scale = float(min(w / span[0], h / span[1]) * (1.0 - 2 * margin))
        self.version += 1

    def world_to_screen(self, world: np.ndarray) -> np.ndarray:
        """(..., 2) latent -> (..., 2) float pixels."""
        return (np.asarray(world, np.float64) - self.center) * self.scale + self.screen_center

    def screen_to_world(self, screen: np.ndarray) -> np.ndarray:
        """(..., 2) pixels -> (..., 2) latent."""
        return (np.asarray(screen, np.float64) - self.screen_center) / self.scale + self.center

    def pan(self, dx: float, dy: float) -> None:
        """Move the view with the pointer by (dx, dy) pixels."""
        self.center = self.center - np.array([dx, dy]) / self.scale
        self.version += 1

    def zoom_at(self, screen_pos: tuple[float, float], factor: float) -> None:
        """Zoom by ``factor`` keeping the world point under ``screen_pos`` fixed."""
        anchor = self.screen_to_world(screen_pos)
        self.scale = float(np.clip(self.scale * factor, 1e-4, 1e7))
        # choose center so anchor maps to screen_pos again
        offset = np.asarray(screen_pos, np.float64) - self.screen_center
        self.center = anchor - offset / self.scale
        self.version += 1
