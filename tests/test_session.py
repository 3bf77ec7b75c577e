"""TrainingSession: typed settings, one channel each way, several sessions in one process."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from hill_arcade.session import Settings, TrainingSession
from hill_arcade.session_log import SessionLog
from hill_arcade.shared import TrainerState


def _events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _wait(predicate, session: TrainingSession, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        session.poll()
        if predicate():
            return
        time.sleep(0.01)
    raise TimeoutError("condition not met")


def test_settings_are_clamped_and_only_real_changes_are_logged(tmp_path, digits_scene):
    from hill_arcade.testing import FakeWorker

    log = SessionLog(tmp_path)
    session = TrainingSession(digits_scene, log, FakeWorker)
    assert session.set(alpha=1.7, lr=3e-4) == {"alpha": 1.0, "lr": 3e-4}
    assert session.buffer.weights()[0] == 1.0 and session.buffer.lr() == 3e-4
    assert session.set(alpha=1.0) == {}  # no change, no event
    session.set(epochs_per_round=7, log=False)  # a slider being dragged ...
    session.set(epochs_per_round=8, log=False)
    session.commit_settings()  # ... is logged once, when let go
    session.lock("epochs_per_round")
    assert session.set(epochs_per_round=3) == {} and session.settings.epochs_per_round == 8
    log.close()
    settings = [e for e in _events(tmp_path / "events.jsonl") if e["type"] == "settings"]
    assert [e["changed"] for e in settings] == [["alpha", "lr"], ["epochs_per_round"]]
    assert settings[-1]["epochs_per_round"] == 8


def test_settings_from_scene_with_overrides(digits_scene):
    s = Settings.from_scene(digits_scene, epochs_per_round=1)
    assert (s.alpha, s.lam, s.epochs_per_round) == (0.5, 0.1, 1)
    with pytest.raises(KeyError):
        s.with_changes(beta=1)


def test_two_sessions_in_one_process_are_independent(tmp_path, digits_scene):
    """Changing alpha on one real trainer leaves the other's trainer-side value and log alone."""
    logs = [SessionLog(tmp_path / name) for name in ("a", "b")]
    sessions = [TrainingSession(digits_scene, log, name=log.dir.name) for log in logs]
    for s in sessions:
        s.start()
    try:
        for s in sessions:
            _wait(lambda s=s: s.progress().state is TrainerState.IDLE, s)
        sessions[0].set(alpha=0.9)
        for s in sessions:
            s.run_round(None, 1)
        for s in sessions:
            _wait(lambda s=s: any(e["type"] == "round_end"
                                  for e in _events(s.log.path)), s)
        a, b = (s.worker.trainer for s in sessions)
        assert a.alpha == 0.9 and b.alpha == 0.5
    finally:
        for s in sessions:
            s.stop()
        for log in logs:
            log.close()
    first, second = (_events(log.path) for log in logs)
    assert [e["alpha"] for e in first if e["type"] == "settings"] == [0.9]
    assert not [e for e in second if e["type"] == "settings"]
    assert [e["alpha"] for e in first if e["type"] == "epoch"] == [0.9]
    assert [e["alpha"] for e in second if e["type"] == "epoch"] == [0.5]


def test_trainer_events_reach_log_and_mode_only_on_the_ui_thread(make_app):
    """No function handed to the trainer runs UI code: every log write and every mode hook
    for a trainer event happens on the thread that runs the frame loop."""
    from hill_arcade.mode import Mode

    writes: list[tuple[str, int]] = []
    hooks: list[int] = []

    class Watch(Mode):
        def on_event(self, event):  # noqa: ANN001, ANN201
            hooks.append(threading.get_ident())

    app, pilot = make_app(app_kwargs={"mode": Watch()})
    inner = app.log.write

    def spy(type_, **fields):  # noqa: ANN001, ANN202
        writes.append((type_, threading.get_ident()))
        inner(type_, **fields)

    app.log.write = spy
    pilot.press(ord("\r"))
    pilot.wait_until(lambda: any(t == "round_end" for t, _ in writes), 20)
    main = threading.get_ident()
    assert {"epoch", "round_end"} <= {t for t, _ in writes}
    assert {tid for _, tid in writes} == {main} and set(hooks) == {main}


def test_a_full_disk_pauses_training_says_so_and_loses_no_event(make_app, monkeypatch):
    """While the log cannot be written the trainer is paused and the screen says why; once
    space returns, the events held back are written in order and training can resume."""
    import errno

    import pygame

    from hill_arcade.errors import LogWriteError

    app, pilot = make_app(epoch_s=0.05)
    app.session.set(epochs_per_round=3)
    real_write = app.log.write
    full = {"on": False}

    def write(type_, **fields):  # noqa: ANN001, ANN202
        if full["on"]:
            raise LogWriteError(app.log.path, OSError(errno.ENOSPC, "No space left on device"))
        real_write(type_, **fields)

    monkeypatch.setattr(app.log, "write", write)
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: app.buffer.progress().state is TrainerState.TRAINING, 10)
    full["on"] = True
    pilot.wait_until(lambda: app.record_error is not None, 10)
    pilot.wait_until(lambda: app.buffer.progress().state is TrainerState.PAUSED, 10)
    assert "cannot record: disk full" in app.record_error
    vr = app.play.view_rect
    pilot.step(2)
    assert pilot.pixel(vr.x + 5, vr.y + 5) == (200, 30, 30)  # the red banner says it
    full["on"] = False  # space returns
    pilot.press(pygame.K_SPACE)  # resume
    pilot.wait_until(lambda: app.record_error is None and any(
        e["type"] == "round_end" for e in _events(app.log_dir / "events.jsonl")), 20)
    epochs = [e["epoch"] for e in _events(app.log_dir / "events.jsonl") if e["type"] == "epoch"]
    assert epochs == [1, 2, 3]  # none lost, none twice, in order
