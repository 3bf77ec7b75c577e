"""Quitting asks first: Esc and the window's close button in play, the experimenter chord in a
study; pending edits are named, never lost silently; the terminal gets the resume command."""

from __future__ import annotations

import json
from pathlib import Path

import pygame
import pytest

from hill_arcade.views.confirm import ConfirmView
from hill_arcade.views.help import HelpView, shortcuts

CHORD = pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT
BOX = (250, 250, 247)  # the dialog's fill


def _events(app, type_: str | None = None) -> list[dict]:
    lines = (app.log_dir / "events.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines if line.strip()]
    return [e for e in events if type_ is None or e["type"] == type_]


def _dialog(app) -> ConfirmView:
    assert isinstance(app.top, ConfirmView), f"no dialog on top: {app.top!r}"
    return app.top


def _drag_a_cross(pilot) -> None:
    x, y = pilot.cross_screen(1)
    pilot.drag((x, y), (x + 40, y + 25))


def test_esc_asks_and_esc_again_stays(make_app):
    app, pilot = make_app()
    before = pilot.pixel(app.play.view_rect.centerx, 5)
    pilot.press(pygame.K_ESCAPE)
    assert app.running
    dialog = _dialog(app)
    pilot.step()
    assert pilot.pixel(dialog.box.x + 6, dialog.box.y + 6) == BOX  # the dialog is drawn
    assert pilot.pixel(app.play.view_rect.centerx, 5) != before  # the rest is shaded
    assert all(b.rect.h >= 48 for b in dialog.widgets)  # touch-sized buttons
    pilot.press(pygame.K_ESCAPE)  # esc in the dialog cancels
    pilot.step()
    assert app.running and app.top is app.play
    types = [e["type"] for e in _events(app)]
    assert "quit_requested" in types and "quit_cancelled" in types and "quit" not in types


@pytest.mark.parametrize("key", [pygame.K_y, pygame.K_RETURN])
def test_esc_then_yes_quits(make_app, key):
    app, pilot = make_app()
    pilot.press(pygame.K_ESCAPE)
    pilot.press(key)
    assert not app.running
    assert _events(app, "quit")[-1]["reason"] == "esc"


def test_window_close_without_edits_quits_at_once(make_app):
    app, pilot = make_app()
    pilot.post(pygame.QUIT)
    pilot.step()
    assert not app.running
    quit_ = _events(app, "quit")[-1]
    assert quit_["reason"] == "window_close" and quit_["pending_edits"] == 0


def test_window_close_with_pending_edits_asks_and_keeps_them(make_app):
    app, pilot = make_app()
    _drag_a_cross(pilot)
    assert app.play.edits.edited
    pilot.post(pygame.QUIT)
    pilot.step()
    dialog = _dialog(app)
    assert app.running
    assert "1 edit(s) not trained on yet will be lost" in dialog.message
    pilot.click_widget("Stay")
    assert app.running and app.top is app.play and app.play.edits.edited
    pilot.post(pygame.QUIT)
    pilot.step()
    pilot.click_widget("Quit")
    assert not app.running
    assert _events(app, "quit")[-1]["pending_edits"] == 1


# ---- study --------------------------------------------------------------------------------

POINTS = [2, 3]


def _fake_factory(cfg, buffer, checkpoint=None):
    from hill_arcade.testing import FakeWorker

    return FakeWorker(cfg, buffer, checkpoint)


def _study(scene, tmp_path, participant):  # noqa: ANN001, ANN202
    """A one-scenario study session and its runner on the fake trainer."""
    from hill_arcade.study.runner import StudyRunner
    from hill_arcade.study.session import StudySession

    ckpt = tmp_path / "epoch_002.pt"
    ckpt.write_bytes(b"x")
    session = StudySession.create(tmp_path / "study", participant, ["digits"],
                                  interaction_points=POINTS)
    runner = StudyRunner(session, {"digits": scene}, {"digits": ckpt}, headless=True,
                         worker_factory=_fake_factory, log_dir=tmp_path / "log",
                         baseline=False)
    return session, runner


def test_study_esc_does_nothing_chord_asks_with_resume_command(study_scene, tmp_path):
    from hill_arcade.testing import Pilot
    from hill_arcade.views.confirm import Toast

    session, runner = _study(study_scene, tmp_path, "P03")
    runner.resume_args = " --out s2"
    app = runner.open()
    with Pilot(app) as pilot:
        pilot.wait_until(lambda: app.play is not None, 30)
        pilot.step(2)
        pilot.press(pygame.K_ESCAPE)
        pilot.press(pygame.K_ESCAPE)
        assert app.running and not any(isinstance(s, ConfirmView) for s in app.stack)
        toast = next(s for s in app.stack if isinstance(s, Toast))
        assert "ctrl+shift+q" in toast.message
        pilot.press(pygame.K_h)  # the help names the chord (and no esc / scene picker)
        assert isinstance(app.top, HelpView)
        keys = [k for k, _ in shortcuts(app.mode.name)]
        assert "ctrl+shift+q" in keys and "esc" not in keys and "p" not in keys
        pilot.press(pygame.K_h)
        pilot.press(pygame.K_q, CHORD)
        dialog = _dialog(app)
        assert "hill-arcade study --participant P03 --resume --out s2" in dialog.message
        pilot.press(pygame.K_n)
        assert app.running
        pilot.press(pygame.K_q, CHORD)
        pilot.click_widget("End session")
        assert not app.running
    session.close()
    events = [json.loads(line) for line in
              (session.folder / "events.jsonl").read_text().splitlines()]
    types = [e["type"] for e in events]
    assert types.count("quit_blocked") == 2 and types.count("quit") == 1
    assert events[types.index("quit")]["reason"] == "chord"


def test_study_window_close_asks_too(study_scene, tmp_path):
    from hill_arcade.testing import Pilot

    session, runner = _study(study_scene, tmp_path, "P04")
    app = runner.open()
    with Pilot(app) as pilot:
        pilot.wait_until(lambda: app.play is not None, 30)
        pilot.post(pygame.QUIT)
        pilot.step()
        assert app.running and "--participant P04 --resume" in _dialog(app).message
    session.close()


def test_study_command_prints_resume_command_when_ended_early(study_scene, tmp_path,
                                                              monkeypatch, capsys):
    """`hill-arcade study` ended by the experimenter exits 1 and prints how to resume."""
    import hill_arcade.app as app_module
    from hill_arcade.cli import main
    from hill_arcade.training.headless import train_headless

    pretrained = tmp_path / "runs"
    train_headless(study_scene, 2, pretrained / "digits")
    scene_file = tmp_path / "digits.yaml"
    scene_file.write_text(
        Path(study_scene.source).read_text().replace("pretrain_epochs: 25", "pretrain_epochs: 2"))
    monkeypatch.setattr(app_module, "default_worker_factory", _fake_factory)
    real_run = app_module.App.run

    def run_then_end(self):  # the experimenter presses the chord, then confirms
        Pilot_post = pygame.event.post
        Pilot_post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q, mod=CHORD, unicode=""))
        Pilot_post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_y, mod=0, unicode="y"))
        real_run(self)

    monkeypatch.setattr(app_module.App, "run", run_then_end)
    out = tmp_path / "sessions"
    status = main(["study", "--participant", "P05", "--scenarios", str(scene_file),
                   "--out", str(out), "--pretrained", str(pretrained), "--no-baseline",
                   "--headless"])
    err = capsys.readouterr().err
    assert status == 1, err
    assert (f"hill-arcade study --participant P05 --resume --scenarios {scene_file} "
            f"--out {out} --pretrained {pretrained} --no-baseline") in err
