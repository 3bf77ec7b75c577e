"""UI scale (DPI awareness): one factor sizes the window, panels, text, markers and hit radii."""

import dataclasses

import numpy as np
import pytest

from hill_arcade.config import SceneConfig, UiConfig
from hill_arcade.errors import HillError
from hill_arcade.render.scale import ENV_VAR, auto_scale, resolve_scale


def _scene(scale):
    return dataclasses.replace(SceneConfig(), ui=UiConfig(width=800, height=500, scale=scale))


def test_auto_scale_follows_the_desktop_height():
    assert auto_scale(768) == 1.0
    assert auto_scale(1080) == 1.0
    assert auto_scale(1440) == 1.25
    assert auto_scale(2160) == 2.0
    assert auto_scale(2880) == 2.75
    assert auto_scale(8640) == 3.0


def test_environment_overrides_the_scene_and_bad_values_are_one_line_errors(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "1.5")
    assert resolve_scale(2.0, 2160) == 1.5
    monkeypatch.setenv(ENV_VAR, "huge")
    with pytest.raises(HillError, match=f"{ENV_VAR}='huge': expected a number from 0.5 to 4"):
        resolve_scale(None, 1080)
    monkeypatch.delenv(ENV_VAR)
    assert resolve_scale(2.0, 1080) == 2.0
    assert resolve_scale(None, 2160) == 2.0


def test_scene_scale_in_yaml_is_checked(tmp_path):
    from hill_arcade.config import load_scene
    from hill_arcade.errors import ConfigError

    bad = tmp_path / "s.yaml"
    bad.write_text("ui:\n  scale: 9\n")
    with pytest.raises(ConfigError, match=r"s\.yaml.*ui\.scale"):
        load_scene(bad)


def test_double_scale_doubles_window_panels_markers_and_touch_radius(make_app, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    app1, pilot1 = make_app(scene=_scene(1.0))
    view1 = pilot1.play.view_rect
    title1 = pilot1.play.panel.train_button.rect
    sprite1 = pilot1.play.layer.sprite(0).get_size()
    cross1 = np.asarray(pilot1.cross_screen(4), float)
    assert pilot1.play.hit_cross(tuple(cross1 + (40, 0)), touch=True) is None
    app1.close()

    app2, pilot2 = make_app(scene=_scene(2.0))
    play = pilot2.play
    assert app2.screen.get_size() == (1600, 1000)
    assert play.view_rect.x == 2 * view1.x
    assert play.panel.train_button.rect.size == (2 * title1.w, 2 * title1.h)
    assert play.layer.sprite(0).get_width() == 2 * (sprite1[0] - 3) + 3
    # a tap 40 px from a cross picks it at 2x (touch radius 56 px), not at 1x (28 px)
    cross = np.asarray(pilot2.cross_screen(4), float)
    empty = cross + (40, 0)
    assert play.hit_cross(tuple(empty), touch=True) == 4
