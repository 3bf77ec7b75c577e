"""`hill-arcade replay`: a recorded session re-runs headless to the same validation curve."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

from hill_arcade.analysis.replay import read_recording, replay, write_outputs
from hill_arcade.errors import HillError
from hill_arcade.session_log import read_events
from hill_arcade.shared import TrainerState


def _record(make_app, digits_scene):  # noqa: ANN001, ANN202
    """A real session: drag a class, train, change alpha, train again."""
    from hill_arcade.session import default_worker_factory

    app, pilot = make_app(worker_factory=default_worker_factory, scene=digits_scene)
    play = pilot.play

    def round_(n: int) -> None:
        epoch = play.snapshot.epoch
        pilot.press(pygame.K_RETURN)
        pilot.wait_until(lambda: app.buffer.progress().state is TrainerState.IDLE
                         and any(e["type"] == "round_end" and e["epoch"] == epoch + n
                                 for e in read_events(app.log_dir / "events.jsonl")), 60)

    app.session.set(epochs_per_round=2)
    x, y = pilot.cross_screen(3)
    pilot.drag((x, y), (x + 60, y - 40))
    round_(2)
    pilot.press(pygame.K_PLUS)  # alpha 0.55 for the next round
    x, y = pilot.cross_screen(7)
    pilot.drag((x, y), (x - 50, y + 20))
    round_(2)
    app.close()
    return app.log_dir


def test_a_recorded_app_session_replays_to_the_same_curve(make_app, digits_scene, tmp_path):
    folder = _record(make_app, digits_scene)
    recording = read_recording(folder)
    assert [r["epochs"] for r in recording.rounds] == [2, 2]
    assert recording.rounds[1]["alpha"] == pytest.approx(0.55)
    rows = replay(recording)
    summary = write_outputs(recording, rows, tmp_path / "out", None)
    epochs = rows[:-1]
    assert [r["epoch"] for r in epochs] == [1, 2, 3, 4]
    # same machine, same seed, same thread count: the same curve, exactly
    assert summary["max_abs_delta_val_pp"] == 0.0
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["epochs"] == 4
    assert summary["test_acc"] is not None
    other = replay(read_recording(folder), seed=7)  # another continuation seed
    assert [r["epoch"] for r in other[:-1]] == [1, 2, 3, 4]


def test_replay_errors_are_one_line(tmp_path):
    with pytest.raises(HillError, match="events.jsonl: not found"):
        read_recording(tmp_path)
    (tmp_path / "events.jsonl").write_text('{"seq": 1, "t": 0, "type": "session_start"}\n')
    with pytest.raises(HillError, match="no 'loaded' event"):
        read_recording(tmp_path)
    out = subprocess.run([sys.executable, "-m", "hill_arcade", "replay", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "loaded" in out.stderr


@pytest.fixture(scope="module")
def digits_cache(tmp_path_factory):
    """One pretraining cache for this module's simulate runs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HILL_ARCADE_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield


def test_a_scripted_simulate_run_replays_to_the_same_curve(tmp_path, digits_cache):
    from hill_arcade.analysis.simulate import run_one

    run_one("digits", "separate", 0, tmp_path / "S", progress=False)
    folder = tmp_path / "S" / "separate-s0"
    recording = read_recording(folder)
    assert len(recording.rounds) == 4  # the interaction points 25/30/35/40
    summary = write_outputs(recording, replay(recording), tmp_path / "R", None)
    assert summary["epochs"] == 20 and summary["max_abs_delta_val_pp"] == 0.0
    recorded = json.loads((folder / "summary.json").read_text())
    assert summary["test_acc"] == pytest.approx(recorded["test_acc"])

    # the run as a recorded participant, from the same start and seed: the same person
    again = run_one("digits", f"recorded:{folder}", 0, tmp_path / "P", progress=False)
    assert again["strategy"] == "recorded-separate-s0"
    assert again["test_acc"] == recorded["test_acc"]
    sent = [e for e in read_events(tmp_path / "P" / "recorded-separate-s0-s0" / "events.jsonl")
            if e["type"] == "recorded_targets"]
    assert [e["round"] for e in sent] == [0, 1, 2, 3]
    assert all(e["scale"] == pytest.approx(1.0) and not e["reflected"] for e in sent)
    for carried, original in zip(sent, recording.rounds, strict=True):
        np.testing.assert_allclose(carried["targets"]["centers"],
                                   original["targets"]["centers"], atol=1e-5)


def test_a_person_recorded_through_the_app_becomes_a_simulate_strategy(
        make_app, digits_scene, tmp_path, digits_cache):
    """Another run (seed 1: another pretraining, another layout) gets the person's edits
    carried onto its own layout: class 3 moved, then class 7, α 0.55 in the second round."""
    from hill_arcade.analysis.simulate import run_one

    folder = _record(make_app, digits_scene)
    summary = run_one("digits", f"recorded:{folder}", 1, tmp_path / "S", progress=False)
    run = tmp_path / "S" / f"recorded-{folder.name}-s1"
    events = read_events(run / "events.jsonl")
    sent = [e for e in events if e["type"] == "recorded_targets"]
    assert [e["round"] for e in sent] == [0, 1, 1, 1]  # 4 points, 2 recorded rounds
    assert [e["alpha"] for e in sent] == pytest.approx([0.5, 0.55, 0.55, 0.55])
    first = np.asarray(sent[0]["targets"]["centers"], float)
    assert np.isfinite(first[3]).all() and np.isnan(np.delete(first, 3, 0)).all()
    second = np.asarray(sent[1]["targets"]["centers"], float)
    assert np.isfinite(second[[3, 7]]).all()
    starts = [e for e in events if e["type"] == "round_start"]
    assert [s["alpha"] for s in starts] == pytest.approx([0.5, 0.55, 0.55, 0.55])
    assert summary["delta_test_pp"] is not None and summary["strategy"].startswith("recorded-")


def test_recorded_edits_follow_a_rotated_mirrored_scaled_layout():
    from hill_arcade.analysis.recorded import RecordedParticipant, RecordedRound
    from hill_arcade.shared import Targets

    layout = np.array([[0, 0], [2, 0], [0, 1], [1, 3]], np.float32)
    spreads = np.array([0.5, 0.4, 0.3, 0.2], np.float32)
    targets = np.full((4, 2), np.nan, np.float32)
    targets[1] = layout[1] + [1.0, 0.5]  # the person moved class 1
    target_spreads = np.full(4, np.nan, np.float32)
    target_spreads[1] = 0.2  # and halved it
    person = RecordedParticipant(Path("x"), [RecordedRound(
        layout, spreads, Targets(targets, target_spreads), 0.5, 0.1)])
    turn = np.array([[0, 1], [1, 0]], np.float32)  # a mirror (swap x and y) ...
    other = 3.0 * layout @ turn + [5, -2]  # ... scaled 3x and shifted
    carried, info = person.targets_for(0, other, spreads * 3.0)
    assert info["scale"] == pytest.approx(3.0) and info["reflected"]
    np.testing.assert_allclose(carried.centers[1], other[1] + 3.0 * np.array([0.5, 1.0]),
                               atol=1e-5)
    assert carried.spreads[1] == pytest.approx(0.6)  # 1.2 (3x 0.4) halved
    assert np.isnan(np.delete(carried.centers, 1, 0)).all()


def test_a_recorded_strategy_needs_a_session_folder(tmp_path):
    from hill_arcade.analysis.strategies import check_strategy

    with pytest.raises(HillError, match="is not a session folder"):
        check_strategy(f"recorded:{tmp_path / 'nope'}")
    with pytest.raises(HillError, match="events.jsonl: not found"):
        check_strategy(f"recorded:{tmp_path}")


def test_a_study_log_with_two_scenarios_gives_the_simulated_scenes_run(tmp_path):
    """recorded:STUDY_SESSION on mnist1d takes the rounds recorded in the mnist1d scenario."""
    from hill_arcade.analysis.recorded import RecordedParticipant

    layout = {"centers": [[0.0, 0.0], [1.0, 0.0]], "spreads": [0.5, 0.5]}

    def run(source, alpha):
        return [{"type": "loaded", "scene": {}, "scene_source": source, "checkpoint": None},
                {"type": "round_begin", "step": 0, "epoch": 25, "epochs": 5, "alpha": alpha,
                 "lam": 0.1, "lr": 0.001, "targets": None, "layout": layout}]

    events = run("scenes/digits.yaml", 0.3) + run("scenes/mnist1d.yaml", 0.7)
    (tmp_path / "events.jsonl").write_text("".join(
        json.dumps({"seq": i + 1, "t": float(i), **e}) + "\n" for i, e in enumerate(events)))
    strategy = f"recorded:{tmp_path}"
    assert RecordedParticipant.load(strategy, "mnist1d").rounds[0].alpha == 0.7
    assert RecordedParticipant.load(strategy, "digits").rounds[0].alpha == 0.3
    assert RecordedParticipant.load(strategy, "cifar10").rounds[0].alpha == 0.3  # the first
