"""`hill-arcade replay`: a recorded session re-runs headless to the same validation curve."""

from __future__ import annotations

import json
import subprocess
import sys

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


def test_a_scripted_simulate_run_replays_to_the_same_curve(tmp_path, monkeypatch):
    from hill_arcade.analysis.simulate import run_one

    monkeypatch.setenv("HILL_ARCADE_CACHE", str(tmp_path / "cache"))
    run_one("digits", "separate", 0, tmp_path / "S", progress=False)
    folder = tmp_path / "S" / "separate-s0"
    recording = read_recording(folder)
    assert len(recording.rounds) == 4  # the interaction points 25/30/35/40
    summary = write_outputs(recording, replay(recording), tmp_path / "R", None)
    assert summary["epochs"] == 20 and summary["max_abs_delta_val_pp"] == 0.0
    recorded = json.loads((folder / "summary.json").read_text())
    assert summary["test_acc"] == pytest.approx(recorded["test_acc"])
