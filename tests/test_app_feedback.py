"""Small things a user notices: "human off" without a human term, the edit counter after a
reset, the screenshot toast, `f` without a pygame warning."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pygame
import pytest

from hill_arcade.views.confirm import Toast


@pytest.fixture
def drawn_text(monkeypatch):
    """Every string the panel and its widgets draw (recorded on a full redraw)."""
    import hill_arcade.views.panel as panel
    import hill_arcade.widgets.status as status

    seen: list[str] = []
    for module in (panel, status):
        real = module.text

        def spy(surface, s, *args, _real=real, **kwargs):
            seen.append(s)
            return _real(surface, s, *args, **kwargs)

        monkeypatch.setattr(module, "text", spy)

    def redraw() -> list[str]:
        seen.clear()
        app = redraw.app
        app.play.panel._image = None  # the cached panel image is rendered anew
        app.redraw()
        return list(seen)

    return redraw


def _metrics_value(strings: list[str], name: str) -> str:
    return strings[strings.index(name) + 1]


def test_human_is_off_until_a_round_has_targets(make_app, drawn_text):
    app, pilot = make_app()
    drawn_text.app = app
    assert _metrics_value(drawn_text(), "human") == "off"
    x, y = pilot.cross_screen(1)
    pilot.drag((x, y), (x + 40, y + 25))
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: app.play.snapshot.metrics.get("human_active"), 30)
    pilot.step(2)
    value = _metrics_value(drawn_text(), "human")
    assert value != "off" and float(value) >= 0


def test_reset_sets_the_edit_counter_to_zero(make_app, drawn_text):
    app, pilot = make_app()
    drawn_text.app = app
    for c in (1, 2):
        x, y = pilot.cross_screen(c)
        pilot.drag((x, y), (x + 30, y + 20))
    assert "edits: 2  (modified)" in drawn_text()
    pilot.press(pygame.K_r)
    assert "edits: 0" in drawn_text()
    pilot.press(pygame.K_z, pygame.KMOD_LCTRL)  # undo the reset: both edits are back
    assert "edits: 2  (modified)" in drawn_text()
    pilot.press(pygame.K_r)
    x, y = pilot.cross_screen(3)
    pilot.drag((x, y), (x + 30, y + 20))
    assert "edits: 1  (modified)" in drawn_text()


def test_s_shows_a_toast_with_the_screenshot_path(make_app):
    app, pilot = make_app()
    pilot.press(pygame.K_s)
    pilot.step()
    toast = next(s for s in app.stack if isinstance(s, Toast))
    shots = sorted(app.log_dir.glob("screenshot-*.png"))
    assert len(shots) == 1 and str(shots[0]) in toast.message.replace("\n", "")
    assert toast.rect.h > 0 and pilot.pixel(toast.rect.x + 4, toast.rect.centery) == (40, 40, 48)
    pilot.press(pygame.K_h)  # a key dismisses the toast and still does its job
    assert not any(isinstance(s, Toast) for s in app.stack)
    assert type(app.top).__name__ == "HelpView"


def test_toast_goes_away_by_itself(make_app):
    app, pilot = make_app()
    pilot.press(pygame.K_s)
    assert any(isinstance(s, Toast) for s in app.stack)
    pilot.step(int(app.fps * 4.5))
    assert not any(isinstance(s, Toast) for s in app.stack) and app.top is app.play


FULLSCREEN_SCRIPT = """
import pygame
from hill_arcade.app import App
from hill_arcade.config import SceneConfig
from hill_arcade.testing import FakeWorker, Pilot

app = App(SceneConfig(), log_dir="log", worker_factory=lambda c, b, k=None: FakeWorker(c, b, k))
with Pilot(app) as pilot:
    pilot.wait_until(lambda: app.play is not None, 30)
    before = app.screen.get_size()
    pilot.press(pygame.K_f)
    print("fullscreen", app.fullscreen, app.screen.get_size(), flush=True)
    pilot.press(pygame.K_f)
    print("windowed", app.fullscreen, app.screen.get_size() == before, flush=True)
"""


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (a real X server)")
def test_f_toggles_fullscreen_without_a_pygame_warning(tmp_path):
    """Under a real X server: `f` fills the screen and back, and with warnings turned into
    errors nothing is raised (pygame's toggle_fullscreen warns "re-creating window")."""
    display = f":{150 + os.getpid() % 50}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1400x900x24"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}
        env.update(DISPLAY=display, SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
        out = subprocess.run([sys.executable, "-W", "error", "-c", FULLSCREEN_SCRIPT],
                             cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120)
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Warning" not in out.stderr
    assert "fullscreen True (1400, 900)" in out.stdout
    assert "windowed False True" in out.stdout
