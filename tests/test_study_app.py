"""End to end: a scripted participant goes through a study session in the real App."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pygame
import pytest

from hill_arcade.eventlog import read_csv, read_events
from hill_arcade.study.session import StudySession

POINTS = [2, 3]


@pytest.fixture(scope="module")
def pretrained(study_scene, tmp_path_factory) -> Path:
    """Trained once for the module (the tests only read it; baselines beside it are shared)."""
    from hill_arcade.training.headless import train_headless

    out = tmp_path_factory.mktemp("pretrained") / "runs" / "digits"
    train_headless(study_scene, 2, out)
    return out / "epoch_002.pt"


def make_runner(session, scene, pretrained, tmp_path):
    from hill_arcade.study.runner import StudyRunner

    scenes = {"digits": scene, "digits2": scene}
    return StudyRunner(session, scenes, {"digits": pretrained, "digits2": pretrained},
                       headless=True, log_dir=tmp_path / "applog")


def new_session(tmp_path: Path) -> StudySession:
    return StudySession.create(tmp_path / "study", "P01", ["digits", "digits2"],
                               interaction_points=POINTS, epochs_per_round=1)


def play_round(app, pilot) -> None:
    """Edit (drag a class cross), start the round, wait for its checkpoint."""
    controller = app.mode.controller  # the runner's ScenarioController
    pilot.wait_until(lambda: app.play is not None and controller.stage == "interact", 60)
    pilot.step(2)
    point = controller.session.state.point_index
    x, y = pilot.cross_screen(1)
    pilot.drag((x, y), (x + 40, y + 25))
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: controller.session.state.point_index > point, 60)


def answer_questionnaire(app, pilot, screenshot: Path | None = None) -> None:
    from hill_arcade.views.confirm import ConfirmView
    from hill_arcade.views.questionnaire import QuestionnaireView

    # after the last round the participant sees the final result first, then moves on
    pilot.wait_until(lambda: isinstance(app.top, (ConfirmView, QuestionnaireView)), 30)
    if isinstance(app.top, ConfirmView):
        pilot.click_widget("Continue to questionnaire")
    view = pilot.wait_until(lambda: isinstance(app.top, QuestionnaireView) and app.top, 30)
    pilot.step()
    pages = len(view.spec.instruments)
    for page in range(pages):
        assert view.page == page
        button = view.button_rect()
        pilot.click(*button.center)
        assert view.page == page, "Next must stay disabled until every item is answered"
        for i, item in enumerate(view.instrument.items):
            value = item.lo + (item.hi - item.lo) * ((i + 1) % 3) / 2
            pilot.click(view.x_for(i, value), view.track_rect(i).centery)
            assert view.answers[item.id] == pytest.approx(value, abs=(item.hi - item.lo) / 50)
        if screenshot is not None and page == 0:
            pilot.screenshot(screenshot)
        pilot.click(*button.center)
    assert view.finished


def check_seq(folder: Path) -> list[dict]:
    events = read_events(folder / "events.jsonl").events
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    return events


def test_two_scenarios_scripted_participant(study_scene, pretrained, tmp_path):
    from hill_arcade.testing import Pilot

    session = new_session(tmp_path)
    runner = make_runner(session, study_scene, pretrained, tmp_path)
    for n in range(2):
        app = runner.open()
        pilot = Pilot(app)
        try:
            for _ in POINTS:
                play_round(app, pilot)
            answer_questionnaire(app, pilot, tmp_path / "questionnaire.png" if n == 0 else None)
            if n == 1:
                pilot.wait_until(lambda: session.state.finished, 5)
                pilot.click(100, 100)  # thank-you screen closes the app
            assert not app.running
        finally:
            app.close()
    assert runner.open() is None
    session.close()
    folder = session.folder
    events = check_seq(folder)
    types = [e["type"] for e in events]
    assert types.count("edit") >= 4 and types.count("round_start") == 4
    assert types.count("round_completed") == 4 and types.count("epoch") >= 4
    assert types.count("questionnaire_completed") == 2 and "session_finished" in types
    for scenario in ("digits", "digits2"):
        for epoch in (3, 4):
            assert session.checkpoint_path(scenario, epoch).is_file()
    metrics = read_csv(folder / "metrics.csv")
    assert {r["phase"] for r in metrics} >= {"pretrain", "baseline", "hill"}
    assert (pretrained.parent / "baseline_metrics.csv").is_file()
    answers = read_csv(folder / "questionnaires.csv")
    assert [r["scenario"] for r in answers] == session.state.order
    assert all(r["umux_lite"] and r["tlx_total"] for r in answers)

    from hill_arcade.cli import main

    out = tmp_path / "report"
    assert main(["report", str(folder), "--out", str(out), "--points", ",".join(map(str, POINTS))]
                ) == 0
    import pygame

    for scenario in ("digits", "digits2"):
        assert pygame.image.load(str(out / f"{scenario}.png")).get_width() > 400
    assert {r["scenario"] for r in read_csv(out / "summary.csv")} >= {"digits", "digits2"}


def finish_resumed_scenario(runner, resumed, before):
    """Play the resumed first scenario's remaining rounds and its questionnaire; the log must
    continue the crashed one: the same events with the same `seq`, then more."""
    from hill_arcade.testing import Pilot

    app = runner.open()
    pilot = Pilot(app)
    try:
        while resumed.state.scenario_index == 0 and resumed.state.point_index < len(POINTS):
            play_round(app, pilot)
        answer_questionnaire(app, pilot)
    finally:
        app.close()
    resumed.close()
    after = check_seq(resumed.folder)
    assert after[:len(before)] == before
    assert resumed.state.scenario_index == 1


def test_crash_mid_round_then_resume(study_scene, pretrained, tmp_path):
    from hill_arcade.testing import Pilot

    session = new_session(tmp_path)
    runner = make_runner(session, study_scene, pretrained, tmp_path)
    app = runner.open()
    pilot = Pilot(app)
    play_round(app, pilot)  # first round done and checkpointed
    controller = runner.controller
    pilot.wait_until(lambda: controller.stage == "interact", 30)
    pilot.press(pygame.K_RETURN)  # second round starts ... and the process "dies"
    pilot.wait_until(lambda: controller.stage == "round", 30)
    app.worker.stop()
    pygame.display.quit()  # abandoned: no close(), no session.close()
    before = check_seq(session.folder)

    resumed = StudySession.resume(tmp_path / "study", "P01")
    assert resumed.state.point_index == 1
    finish_resumed_scenario(make_runner(resumed, study_scene, pretrained, tmp_path), resumed,
                            before)


DRIVER = '''
import dataclasses, os, sys, time
from pathlib import Path
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
import pygame
from hill_arcade import SCENES_DIR
from hill_arcade.config import DisplayConfig, RuntimeConfig, load_scene
from hill_arcade.study.session import StudySession
from hill_arcade.study.runner import StudyRunner
from hill_arcade.testing import Pilot

tmp, pretrained = Path(sys.argv[1]), Path(sys.argv[2])
scene = load_scene(SCENES_DIR / "digits.yaml")
scene = dataclasses.replace(
    scene, display=DisplayConfig(per_class=20),
    schedule=dataclasses.replace(scene.schedule, pretrain_epochs=2, interaction_points=[2, 3],
                                 epochs_per_round=1),
    runtime=dataclasses.replace(RuntimeConfig(), device="cpu", threads=2, amp=False))
session = StudySession.create(tmp / "study", "P01", ["digits", "digits2"],
                              interaction_points=[2, 3], epochs_per_round=1)
runner = StudyRunner(session, {"digits": scene, "digits2": scene},
                     {"digits": pretrained, "digits2": pretrained}, headless=True,
                     log_dir=tmp / "applog", baseline=False)
app = runner.open()
pilot = Pilot(app)
c = runner.controller
pilot.wait_until(lambda: app.play is not None and c.stage == "interact", 60)
pilot.step(2)
x, y = pilot.cross_screen(1)
pilot.drag((x, y), (x + 40, y + 25))
pilot.press(pygame.K_RETURN)
pilot.wait_until(lambda: c.stage == "round", 30)
print("ROUND", flush=True)
while True:  # keep training and logging until killed
    pilot.step()
    if c.stage != "round":
        x, y = pilot.cross_screen(2)
        pilot.drag((x, y), (x - 30, y + 10))
    time.sleep(0.001)
'''


def test_sigkill_mid_round_then_resume(study_scene, pretrained, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time


    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path), str(pretrained)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
                            cwd=str(Path(__file__).resolve().parents[1]))
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ROUND"
        time.sleep(0.3)  # mid-round (or just after): events are being written
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    before = check_seq(tmp_path / "study" / "P01")
    assert "round_start" in [e["type"] for e in before]

    resumed = StudySession.resume(tmp_path / "study", "P01")
    runner = make_runner(resumed, study_scene, pretrained, tmp_path)
    runner.baseline = False
    finish_resumed_scenario(runner, resumed, before)
    for epoch in (3, 4):
        assert resumed.checkpoint_path("digits", epoch).is_file()


def test_study_command_refuses_without_pretrained(tmp_path, capsys):
    import argparse

    from hill_arcade.study.runner import add_parser, run_study

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["study", "--participant", "P07", "--scenarios", "digits",
                              "--out", str(tmp_path / "s"), "--pretrained",
                              str(tmp_path / "runs")])
    assert run_study(args) == 2
    err = capsys.readouterr().err
    assert "hill-arcade train scenes/digits.yaml --epochs 25" in err


def test_scenario_time_limit_ends_scenario(study_scene, tmp_path):
    from hill_arcade.config import StudyConfig
    from hill_arcade.study.runner import StudyRunner
    from hill_arcade.testing import FakeWorker, Pilot
    from hill_arcade.views.questionnaire import QuestionnaireView

    now = [1000.0]
    scene = dataclasses.replace(study_scene, study=StudyConfig(
        scenario_time_limit_s=60, on_time_limit="end_scenario"))
    fake_ckpt = tmp_path / "epoch_002.pt"
    fake_ckpt.write_bytes(b"x")
    session = StudySession.create(tmp_path / "study", "P02", ["digits"],
                                  interaction_points=POINTS, clock=lambda: now[0])

    def factory(cfg, buffer, checkpoint=None):
        return FakeWorker(cfg, buffer)

    runner = StudyRunner(session, {"digits": scene}, {"digits": fake_ckpt}, headless=True,
                         worker_factory=factory, log_dir=tmp_path / "log", baseline=False)
    app = runner.open()
    pilot = Pilot(app)
    try:
        pilot.wait_until(lambda: app.play is not None, 30)
        pilot.step(2)
        assert "time left 1:00" in runner.controller.status()
        now[0] += 61
        pilot.step(2)
        assert isinstance(app.top, QuestionnaireView)
    finally:
        app.close()
    session.close()
    types = [e["type"] for e in check_seq(session.folder)]
    assert "time_limit" in types and "scenario_ended_early" in types


def test_study_frames_redraw_only_what_changed(study_scene, pretrained, tmp_path):
    """The status bar over the play view keeps the retained drawing: frames match full
    repaints through a round, and a quiet frame presents nothing."""
    import numpy as np

    from hill_arcade.testing import Pilot

    session = new_session(tmp_path)
    app = make_runner(session, study_scene, pretrained, tmp_path).open()
    pilot = Pilot(app)
    frames = [0]

    def view_pixels():
        rect = app.play.view_rect
        return pygame.surfarray.array3d(app.screen)[rect.left:rect.right, rect.top:rect.bottom]

    def compare():
        frames[0] += 1
        if app.play is None or frames[0] % 3:
            return
        incremental = view_pixels()
        app.redraw()
        np.testing.assert_array_equal(incremental, view_pixels())

    pilot.after_frame.append(compare)
    try:
        play_round(app, pilot)
        controller = app.mode.controller
        pilot.wait_until(lambda: controller.stage == "interact" and app.play.tween_t >= 1.0, 30)
        pilot.after_frame.clear()
        pilot.step(3)
        for _ in range(5):
            pilot.step()
            assert app.presented == []
        assert frames[0] > 10
    finally:
        app.close()
    session.close()
