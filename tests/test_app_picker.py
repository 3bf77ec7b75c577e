"""Scene picker overlay: p opens it, rows switch scenes, esc closes, keyboard navigation."""

import json

import pygame

from hill_arcade.views.help import SHORTCUTS
from hill_arcade.views.loading import LoadingView
from hill_arcade.views.picker import ROW_H, PickerView


def _events(app) -> list[str]:
    lines = (app.log_dir / "events.jsonl").read_text().splitlines()
    return [json.loads(line)["type"] for line in lines if line.strip()]


def _open(pilot) -> PickerView:
    pilot.press(pygame.K_p)
    picker = pilot.app.top
    assert isinstance(picker, PickerView)
    return picker


def test_p_opens_picker_listing_bundled_scenes(make_app):
    app, pilot = make_app()
    picker = _open(pilot)
    stems = [e.stem for e in picker.entries]
    assert {"digits", "cifar10", "pamap2"} <= set(stems)
    assert all(r.h >= 48 for r in picker.rows) and ROW_H >= 48
    assert any(k == "p" for k, _ in SHORTCUTS)


def test_clicking_a_row_switches_scene(make_app):
    app, pilot = make_app()
    old_play, old_worker = app.play, app.worker
    picker = _open(pilot)
    i = next(i for i, e in enumerate(picker.entries) if e.stem == "pamap2")
    target = picker.entries[i].cfg
    pilot.click(*picker.rows[i].center)
    assert app.scene_cfg is target
    assert app.worker is not old_worker and not old_worker.is_alive()
    assert isinstance(app.top, LoadingView) or app.play is not None
    pilot.wait_until(lambda: app.play is not None, 30)
    pilot.step(2)
    assert app.play is not old_play and app.top is app.play
    assert "scene_switch" in _events(app)


def test_esc_closes_picker_without_switching(make_app):
    app, pilot = make_app()
    cfg, worker = app.scene_cfg, app.worker
    _open(pilot)
    pilot.press(pygame.K_ESCAPE)
    assert app.running and app.top is app.play
    assert app.scene_cfg is cfg and app.worker is worker
    assert "scene_switch" not in _events(app)


def test_keyboard_navigation_chooses_a_scene(make_app):
    app, pilot = make_app()
    picker = _open(pilot)
    first = picker.selected
    pilot.press(pygame.K_DOWN)
    assert picker.selected != first
    pilot.press(pygame.K_UP)
    assert picker.selected == first
    pilot.press(pygame.K_DOWN)
    target = picker.entries[picker.selected].cfg
    pilot.press(pygame.K_RETURN)
    assert app.scene_cfg is target
    pilot.wait_until(lambda: app.play is not None, 30)
    assert "scene_switch" in _events(app)


def test_p_from_loading_view_and_broken_scene_cannot_be_chosen(make_app, tmp_path):
    app, pilot = make_app(wait=False, load_s=5.0)
    pilot.step(1)
    assert isinstance(app.top, LoadingView)
    _open(pilot)
    scenes = tmp_path / "scenes"
    scenes.mkdir()
    (scenes / "bad.yaml").write_text("name: [unclosed\n")
    picker = PickerView(app, scenes_dir=scenes)
    assert picker.entries[0].cfg is None and picker.entries[0].error
    assert "\n" not in picker.entries[0].error
    assert not picker.choose(0)
    picker.draw(app.screen)  # greyed row with its error draws without raising
