"""Scene base class for the app's scene stack (loading, play, help overlay)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from hill_arcade.input import InputEvent

if TYPE_CHECKING:
    from hill_arcade.app import App


class Scene:
    """One screen. Only the top scene gets input; ``opaque=False`` draws the one beneath too."""

    opaque = True
    # True: draw() repaints only what changed unless ``app.repaint_all`` is set, and reports
    # the regions it drew with ``app.damage(rect)``; False: draw() repaints the full frame
    retained = False

    def __init__(self, app: App) -> None:
        self.app = app

    def handle(self, event: InputEvent) -> bool:
        """Handle one input event; True if consumed."""
        return False

    def update(self, dt: float) -> None:
        """Advance by ``dt`` seconds."""

    def draw(self, surface: pygame.Surface) -> None:
        """Draw the full frame (or an overlay when not opaque)."""
