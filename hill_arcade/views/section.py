"""Sections: parts of a view that each own a screen rectangle, their state, drawing and input.

In the spirit of Python Arcade's ``Section``: the view composes sections and routes input to
them by rectangle (a pointer that went down in a section keeps talking to it until it lets go);
keys are offered to each section in turn. Drawing stays retained: a section redraws only when
what it shows changed, unless the whole frame is repainted, and reports what it drew with
``app.damage``.
"""

from __future__ import annotations

from typing import Any

import pygame

from hill_arcade.input import InputEvent


class Section:
    """One rectangle of a view; subclasses override the hooks they need."""

    def __init__(self, view: Any) -> None:
        self.view = view
        self.app = view.app

    @property
    def rect(self) -> pygame.Rect:
        """Where the section is on screen (follows the window size)."""
        raise NotImplementedError

    def handle(self, event: InputEvent) -> bool:
        """One input event routed here; True if consumed."""
        return False

    def update(self, dt: float) -> None:
        """Advance by ``dt`` seconds."""

    def draw(self, surface: pygame.Surface, repaint: bool) -> None:
        """Draw what changed (everything when ``repaint``); report it with ``app.damage``."""
