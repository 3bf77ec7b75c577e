"""Study flow as a participant meets it: the round length is locked (no `+`, nothing logged),
the last round's result stays on screen until they continue, questionnaire pages go back."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pygame
import pytest

from hill_arcade.views.confirm import ConfirmView
from hill_arcade.views.questionnaire import ACCENT, QuestionnaireView

POINTS = [2, 3]


def _fake_pretrained(path: Path, epoch: int = 2) -> Path:
    """A FakeWorker checkpoint at ``epoch`` (its own small npz format)."""
    from hill_arcade.shared import SharedBuffer
    from hill_arcade.testing import FakeWorker

    points = FakeWorker(None, SharedBuffer()).points
    history = [{"epoch": e, "val_acc": 0.5 + 0.1 * e, "device": "fake"}
               for e in range(1, epoch + 1)]
    with open(path, "wb") as f:
        np.savez(f, epoch=epoch, points=points, history=np.array(json.dumps(history)))
    return path


@pytest.fixture
def study(study_scene, tmp_path):
    """A one-scenario study session opened in the App with the FakeWorker."""
    from hill_arcade.study.runner import StudyRunner
    from hill_arcade.study.session import StudySession
    from hill_arcade.testing import FakeWorker, Pilot

    def factory(cfg, buffer, checkpoint=None):
        return FakeWorker(cfg, buffer, checkpoint)

    session = StudySession.create(tmp_path / "study", "P01", ["digits"],
                                  interaction_points=POINTS, epochs_per_round=1)
    ckpt = _fake_pretrained(tmp_path / "epoch_002.pt")
    runner = StudyRunner(session, {"digits": study_scene}, {"digits": ckpt}, headless=True,
                         worker_factory=factory, log_dir=tmp_path / "log", baseline=False)
    app = runner.open()
    # FakeWorker's SAVE does not create folders (the real one does)
    session.checkpoint_path("digits", 3).parent.mkdir(parents=True, exist_ok=True)
    pilot = Pilot(app)
    pilot.wait_until(lambda: app.play is not None and runner.controller.stage == "interact",
                     30)
    pilot.step(2)
    yield app, pilot, runner.controller
    app.close()
    session.close()


def _events(controller) -> list[dict]:
    path = controller.session.folder / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _play_round(app, pilot, controller) -> None:
    point = controller.session.state.point_index
    x, y = pilot.cross_screen(1)
    pilot.drag((x, y), (x + 30, y + 20))
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: controller.session.state.point_index > point, 30)


def test_round_length_is_locked_in_study(study):
    app, pilot, controller = study
    stepper = pilot.widget("epochs/round")
    shown = stepper.get()
    pilot.click_widget("epochs/round", "plus")
    pilot.click_widget("epochs/round", "minus")
    pilot.step(2)
    assert stepper.get() == shown == 1
    assert app.session.settings.epochs_per_round == 1
    # no +/- button is drawn: the panel background shows where they would be
    assert pilot.pixel(*stepper.plus.center) != (200, 200, 195)
    assert pilot.pixel(*stepper.minus.center) != (200, 200, 195)
    assert not [e for e in _events(controller) if e["type"] == "settings"]


def test_last_round_shows_its_result_before_the_questionnaire(study):
    app, pilot, controller = study
    for _ in POINTS:
        pilot.wait_until(lambda: controller.stage == "interact", 30)
        _play_round(app, pilot, controller)
    pilot.wait_until(lambda: controller.stage == "result", 30)
    pilot.step(5)
    assert not any(isinstance(s, QuestionnaireView) for s in app.stack)
    dialog = app.top
    assert isinstance(dialog, ConfirmView) and dialog.kind == "result"
    assert "Final validation accuracy" in dialog.message
    h = app.screen.get_height()
    assert dialog.box.bottom <= h and dialog.box.y > h // 2  # the projection stays visible
    assert pilot.pixel(dialog.box.x + 6, dialog.box.y + 6) == (250, 250, 247)
    assert "final result" in controller.status()
    pilot.press(pygame.K_ESCAPE)  # no way around the result but forward
    assert app.top is dialog and app.running
    pilot.click_widget("Continue to questionnaire")
    pilot.step()
    assert isinstance(app.top, QuestionnaireView)
    types = [e["type"] for e in _events(controller)]
    assert types.index("result_shown") < types.index("questionnaire_started")
    shown = next(e for e in _events(controller) if e["type"] == "result_shown")
    assert shown["epoch"] == 4 and shown["val_acc"] is not None


def _answer_page(pilot, view) -> dict[str, float]:
    for i, item in enumerate(view.instrument.items):
        value = item.lo + (item.hi - item.lo) * ((i + 1) % 3) / 2
        pilot.click(view.x_for(i, value), view.track_rect(i).centery)
    return {item.id: view.answers[item.id] for item in view.instrument.items}


def test_questionnaire_back_keeps_answers(study):
    app, pilot, controller = study
    controller.open_questionnaire()
    pilot.step()
    view = app.top
    assert isinstance(view, QuestionnaireView) and view.back_rect() is None
    first = _answer_page(pilot, view)
    pilot.click(*view.button_rect().center)
    assert view.page == 1 and view.back_rect() is not None
    pilot.step()
    back = view.back_rect()
    assert pilot.pixel(back.x + 1, back.centery) == ACCENT  # the Back button is drawn
    second = _answer_page(pilot, view)
    pilot.click(*back.center)
    assert view.page == 0
    pilot.step()
    for i, item in enumerate(view.instrument.items):  # the knobs are where they were
        assert view.answers[item.id] == first[item.id]
        x = view.x_for(i, first[item.id])
        assert pilot.pixel(x, view.track_rect(i).centery) == ACCENT
    pilot.press(pygame.K_RETURN)
    assert view.page == 1 and all(view.answers[k] == v for k, v in second.items())
    pilot.press(pygame.K_BACKSPACE)
    assert view.page == 0


def test_a_study_runs_the_papers_loss_and_targets_unless_the_scene_says_otherwise():

    from hill_arcade.config import SceneConfig, StudyConfig
    from hill_arcade.study.runner import study_scene

    scene = SceneConfig()
    scene = dataclasses.replace(scene, hill=dataclasses.replace(
        scene.hill, loss="balanced", targets="edited"))
    assert (study_scene(scene).hill.loss, study_scene(scene).hill.targets) == ("paper", "layout")
    own = dataclasses.replace(scene, study=StudyConfig(hill="scene"))
    assert (study_scene(own).hill.loss, study_scene(own).hill.targets) == ("balanced", "edited")
