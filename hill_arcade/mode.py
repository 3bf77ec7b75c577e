"""Modes: what play, kiosk and study add to the one App, as hooks with no-op defaults.

An App is a window + a :class:`~hill_arcade.session.TrainingSession` + views; a mode
controller plugs into it through these hooks (in the spirit of Arcade's View hooks and
Lightning's callbacks) instead of subclassing or swapping the App's parts. Every hook runs on
the UI thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pygame

    from hill_arcade.app import App
    from hill_arcade.config import SceneConfig
    from hill_arcade.input import Key
    from hill_arcade.session import Worker
    from hill_arcade.shared import SharedBuffer


class Mode:
    """Plain play mode; kiosk and study override the hooks they need."""

    name = "play"
    play_view_class: type | None = None  # None: the App's PlayView
    allow_scene_picker = True
    locked_settings: frozenset[str] = frozenset()  # settings a person may not change
    supervises_stalls = False  # True: the mode handles a stalled trainer itself (kiosk)

    def make_worker(self, scene: SceneConfig, buffer: SharedBuffer,
                    checkpoint: Path | None) -> Worker | None:
        """The worker for a new session; None means the App's own factory."""
        return None

    def settings_overrides(self, scene: SceneConfig) -> dict[str, Any]:
        """Settings a session starts with instead of the scene's (kiosk: its round length)."""
        return {}

    def attach(self, app: App) -> None:
        """The App's window, log and view stack exist; its session is made right after."""

    def on_frame(self, dt: float) -> None:
        """Once per frame, before the views update."""

    def on_event(self, event: dict[str, Any]) -> None:
        """An event the trainer reported (already logged), drained on the UI thread."""

    def filter_event(self, event: pygame.event.Event) -> bool:
        """False swallows a raw SDL event before the App handles it."""
        return True

    def on_key(self, event: Key) -> bool:
        """A key no view handled; True if the mode took it (the App's shortcuts are skipped)."""
        return False

    def round_epochs(self, requested: int) -> int:
        """Epochs the next round trains (study: up to the next interaction point)."""
        return requested

    def on_close(self) -> None:
        """The App is shutting down (before its session stops)."""
