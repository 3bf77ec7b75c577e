"""The very first frame is a painted splash: drawn and presented before the trainer (and torch)
starts, so the window is never black while loading."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame

from hill_arcade.render.palette import BACKGROUND

ROOT = Path(__file__).resolve().parents[1]


def test_splash_is_presented_before_the_worker_exists(tmp_path, monkeypatch):
    from hill_arcade.app import App
    from hill_arcade.config import SceneConfig
    from hill_arcade.testing import FakeWorker

    flips: list[int] = []
    real_flip = pygame.display.flip

    def flip() -> None:
        flips.append(1)
        real_flip()

    monkeypatch.setattr(pygame.display, "flip", flip)
    seen: dict = {}

    def factory(cfg, buffer, checkpoint=None):  # called before the trainer thread starts
        screen = pygame.surfarray.array3d(pygame.display.get_surface())
        seen["flips"] = len(flips)
        seen["background"] = tuple(screen[3, 3])
        w, h = screen.shape[:2]
        title = screen[w // 4: 3 * w // 4, h // 2 - 90: h // 2 - 30]
        seen["title_ink"] = int((title != np.array(BACKGROUND)).any(axis=2).sum())
        return FakeWorker(cfg, buffer, checkpoint)

    app = App(SceneConfig(name="Splash"), log_dir=tmp_path / "log", headless=True,
              worker_factory=factory)
    try:
        assert seen["flips"] >= 1, "nothing was presented before the worker was made"
        assert seen["background"] == tuple(BACKGROUND)
        assert seen["title_ink"] > 200  # "HILL arcade - Splash" is drawn
    finally:
        app.close()


SCRIPT = """
import sys
import pygame
first = []
real = pygame.display.flip
def flip():
    if not first:
        first.append("torch" in sys.modules)
    real()
pygame.display.flip = flip
from hill_arcade.app import App
from hill_arcade.config import SceneConfig
app = App(SceneConfig(), log_dir=sys.argv[1], headless=True)  # the real trainer
print("torch at first flip:", first[0], flush=True)
app.close()
"""


def test_first_flip_happens_before_torch_is_imported(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
           "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "log")], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert "torch at first flip: False" in out.stdout, out.stdout + out.stderr


class _FailingWorker:
    """Fails while loading with a long one-line error, like a missing checkpoint."""

    checkpoint = None

    def __init__(self, scene, buffer, checkpoint=None) -> None:
        self.buffer = buffer

    def start(self) -> None:
        from hill_arcade.shared import TrainerState

        self.buffer.set_progress(state=TrainerState.ERROR, error=(
            "/some/very/long/folder/name/that/goes/on/runs/digits/epoch_025.pt: checkpoint "
            "not found; fix: hill-arcade train scenes/digits.yaml --epochs 25 --out runs/digits"))

    def stop(self, timeout: float = 5.0) -> None:
        pass

    def is_alive(self) -> bool:
        return False


def test_loading_error_is_wrapped_and_still(make_app):
    from hill_arcade.views.loading import LoadingView
    from hill_arcade.widgets.base import font

    app, pilot = make_app(worker_factory=_FailingWorker, wait=False)
    pilot.step(2)
    view = app.top
    assert isinstance(view, LoadingView)
    msg, error = view.status()
    assert error and "hill-arcade train scenes/digits.yaml" in msg
    from hill_arcade.widgets.status import wrap_text

    lines = wrap_text(msg, 26, app.screen.get_width() - 40)
    assert len(lines) > 1 and all(font(26).size(s)[0] <= app.screen.get_width() for s in lines)
    first = pygame.surfarray.array3d(app.screen).copy()
    pilot.step(10)
    assert (pygame.surfarray.array3d(app.screen) == first).all()  # no bar keeps animating
    assert "esc: quit" in view.error_hint() and "p: pick" in view.error_hint()
