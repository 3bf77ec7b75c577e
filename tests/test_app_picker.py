"""Scene picker overlay: p opens it on the current scene; scenes without data say why (with
the fixing command) and cannot be chosen; leaving a trained session asks, saves it into the
log folder, and "back to <scene> (epoch N)" restores it."""

import json

import pygame
import pytest

from hill_arcade.views.confirm import ConfirmView
from hill_arcade.views.help import SHORTCUTS
from hill_arcade.views.loading import LoadingView
from hill_arcade.views.picker import CURRENT, ROW_H, SELECTED, PickerView, SavingView
from hill_arcade.widgets.base import font


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """A data folder where PAMAP2's files exist (empty: only presence is checked before
    loading) and CIFAR-10's do not."""
    root = tmp_path / "data"
    protocol = root / "pamap2" / "Protocol"
    protocol.mkdir(parents=True)
    for subject in range(101, 109):
        (protocol / f"subject{subject}.dat").write_text("")
    monkeypatch.setenv("HILL_DATA_DIR", str(root))
    return root


@pytest.fixture
def digits():
    from hill_arcade import SCENES_DIR
    from hill_arcade.config import load_scene

    return load_scene(SCENES_DIR / "digits.yaml")


def _events(app) -> list[dict]:
    lines = (app.log_dir / "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _types(app) -> list[str]:
    return [e["type"] for e in _events(app)]


def _open(pilot) -> PickerView:
    pilot.press(pygame.K_p)
    picker = pilot.app.top
    assert isinstance(picker, PickerView)
    pilot.step()
    return picker


def _row(picker, stem: str) -> int:
    return next(i for i, e in enumerate(picker.entries) if e.stem == stem and not e.checkpoint)


def _train_one_round(app, pilot) -> int:
    """Train one round; returns the epoch it reached."""
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: app.play.snapshot.epoch >= 1 and app.play.can_train(), 30)
    pilot.step(2)
    return int(app.play.snapshot.epoch)


def test_p_opens_picker_on_the_current_scene(make_app, digits):
    app, pilot = make_app(scene=digits)
    picker = _open(pilot)
    stems = [e.stem for e in picker.entries]
    assert {"digits", "cifar10", "pamap2"} <= set(stems)
    assert all(r.h >= 48 for r in picker.rows) and ROW_H >= 48
    assert any(k == "p" for k, _ in SHORTCUTS)
    i = _row(picker, "digits")
    assert picker.selected == i and picker.entries[i].current
    row = picker.rows[i]
    assert pilot.pixel(row.x + 2, row.centery) == CURRENT  # the current-scene mark
    assert pilot.pixel(row.right - 8, row.centery) == SELECTED  # highlighted


def test_scene_without_data_is_explained_in_full_and_not_selectable(make_app, digits):
    app, pilot = make_app(scene=digits)
    worker = app.worker
    picker = _open(pilot)
    i = _row(picker, "cifar10")
    entry, row = picker.entries[i], picker.rows[i]
    assert not entry.available
    assert "hill-arcade data cifar10 --download" in entry.problem
    assert "".join(entry.lines).replace(" ", "") == entry.problem.replace(" ", "")
    assert len(entry.lines) > 1 and row.h > picker.rows[_row(picker, "digits")].h
    assert all(font(20).size(line)[0] <= row.w - 14 for line in entry.lines)  # nothing cut
    pilot.click(*row.center)
    assert app.top is picker and app.scene_cfg is digits and app.worker is worker
    for _ in range(len(picker.entries)):  # the keyboard never lands on it
        pilot.press(pygame.K_DOWN)
        assert picker.selected != i
    assert "scene_switch" not in _types(app)


def test_clicking_a_row_of_an_untrained_session_switches_at_once(make_app):
    app, pilot = make_app()
    old_play, old_worker = app.play, app.worker
    picker = _open(pilot)
    i = _row(picker, "pamap2")
    target = picker.entries[i].cfg
    pilot.click(*picker.rows[i].center)
    assert app.scene_cfg is target
    assert app.worker is not old_worker and not old_worker.is_alive()
    assert isinstance(app.top, LoadingView) or app.play is not None
    pilot.wait_until(lambda: app.play is not None, 30)
    pilot.step(2)
    assert app.play is not old_play and app.top is app.play
    assert "scene_switch" in _types(app)


def test_leaving_a_trained_session_asks_saves_and_can_go_back(make_app, digits):
    app, pilot = make_app(scene=digits)
    epoch = _train_one_round(app, pilot)
    x, y = pilot.cross_screen(1)
    pilot.drag((x, y), (x + 30, y + 20))  # an edit not trained on yet
    picker = _open(pilot)
    pilot.click(*picker.rows[_row(picker, "pamap2")].center)
    dialog = app.top
    assert isinstance(dialog, ConfirmView) and app.scene_cfg is digits
    assert f"epoch {epoch}" in dialog.message and "1 edit(s)" in dialog.message
    assert str(app.log_dir) in dialog.message
    pilot.press(pygame.K_y)  # save & switch
    assert isinstance(app.top, SavingView) or app.scene_cfg is not digits
    pilot.wait_until(lambda: app.scene_cfg.name == "PAMAP2" and app.play is not None, 30)
    saved = app.log_dir / f"digits-epoch_{epoch:03d}.pt"
    assert saved.is_file()
    event = next(e for e in _events(app) if e["type"] == "session_saved")
    assert event["epoch"] == epoch and event["path"] == str(saved)

    picker = _open(pilot)
    back = picker.entries[0]
    assert back.title == f"back to {digits.name} (epoch {epoch})" and back.checkpoint == saved
    assert picker.entries[_row(picker, "pamap2")].current
    pilot.click(*picker.rows[0].center)  # the PAMAP2 session is untrained: no question
    pilot.wait_until(lambda: app.play is not None and app.scene_cfg.name == digits.name, 30)
    assert app.play.snapshot.epoch == epoch  # restarted from the checkpoint, not from 0
    assert _events(app)[-1]["type"] != "session_saved"
    switch = [e for e in _events(app) if e["type"] == "scene_switch"][-1]
    assert switch["checkpoint"] == str(saved)


def test_leaving_a_trained_session_can_be_cancelled_or_not_saved(make_app, digits):
    app, pilot = make_app(scene=digits)
    _train_one_round(app, pilot)
    worker = app.worker
    picker = _open(pilot)
    pilot.click(*picker.rows[_row(picker, "pamap2")].center)
    pilot.press(pygame.K_n)
    assert app.scene_cfg is digits and app.worker is worker and app.running
    assert "leave_cancelled" in _types(app)
    assert app.top is picker  # back in the list, to choose again
    pilot.click(*picker.rows[_row(picker, "pamap2")].center)
    pilot.click_widget("Don't save")
    assert app.scene_cfg.name == "PAMAP2"
    assert "session_discarded" in _types(app) and not list(app.log_dir.glob("*.pt"))


def test_esc_closes_picker_without_switching(make_app):
    app, pilot = make_app()
    cfg, worker = app.scene_cfg, app.worker
    _open(pilot)
    pilot.press(pygame.K_ESCAPE)
    assert app.running and app.top is app.play
    assert app.scene_cfg is cfg and app.worker is worker
    assert "scene_switch" not in _types(app)


def test_keyboard_navigation_chooses_a_scene(make_app, digits):
    app, pilot = make_app(scene=digits)
    picker = _open(pilot)
    first = picker.selected
    pilot.press(pygame.K_DOWN)
    assert picker.selected != first
    pilot.press(pygame.K_UP)
    assert picker.selected == first
    pilot.press(pygame.K_DOWN)
    target = picker.entries[picker.selected].cfg
    assert picker.entries[picker.selected].available
    pilot.press(pygame.K_RETURN)
    assert app.scene_cfg is target
    pilot.wait_until(lambda: app.play is not None, 30)
    assert "scene_switch" in _types(app)


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


def test_leaving_during_a_round_saves_after_it(make_app, digits):
    app, pilot = make_app(scene=digits, epoch_s=0.3)
    pilot.press(pygame.K_RETURN)  # a 5-epoch round, 1.5 s
    pilot.wait_until(lambda: app.session.progress().epoch >= 1, 10)
    picker = _open(pilot)
    pilot.click(*picker.rows[_row(picker, "pamap2")].center)
    pilot.press(pygame.K_y)
    assert isinstance(app.top, SavingView) and app.scene_cfg is digits  # waits for the round
    pilot.wait_until(lambda: app.scene_cfg.name == "PAMAP2", 30)
    saved = next(e for e in _events(app) if e["type"] == "session_saved")
    assert saved["epoch"] == 5 and (app.log_dir / "digits-epoch_005.pt").is_file()
