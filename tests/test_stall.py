"""A trainer that stops making progress is noticed in every mode: play says so on screen and
logs every thread's stack; the kiosk replaces it and, when hung threads pile up, restarts."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from hill_arcade.config import KioskConfig, SceneConfig
from hill_arcade.kiosk.watchdog import MAX_ABANDONED, TOO_MANY_HUNG, TRAINER_HUNG, Watchdog
from hill_arcade.session_log import read_events
from hill_arcade.shared import SharedBuffer, TrainerState
from hill_arcade.stall import StallWatch
from hill_arcade.testing import FakeWorker


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_stall_watch_reports_once_per_stall():
    clock = Clock()
    watch = StallWatch(10.0, clock)
    buffer = SharedBuffer()
    buffer.set_progress(state=TrainerState.TRAINING)
    progress = buffer.progress()
    assert not watch.check(progress)
    clock.t = 11.0
    assert watch.check(progress) and not watch.check(progress)  # once
    buffer.set_progress(batch=1)  # it moves again
    assert not watch.check(buffer.progress())


class StuckWorker(FakeWorker):
    """Starts a round, then never reports progress again (a deadlocked driver, say)."""

    def _round(self, epochs: int) -> None:
        self.buffer.set_progress(state=TrainerState.TRAINING, epoch=self.epoch + 1)
        self._stop.wait(30)


def test_play_mode_says_the_trainer_stalled_and_logs_thread_stacks(make_app, monkeypatch):
    import time

    import pygame

    scene = dataclasses.replace(SceneConfig(), kiosk=KioskConfig(hang_s=1.0))
    app, pilot = make_app(worker_factory=lambda cfg, buf, ck=None: StuckWorker(cfg, buf, ck),
                          scene=scene)
    pilot.press(pygame.K_RETURN)
    pilot.wait_until(lambda: app.buffer.progress().state is TrainerState.TRAINING, 5)
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        pilot.step()
        time.sleep(0.02)
    assert app.stall_error is not None and "no progress for 1 s" in app.stall_error
    vr = app.play.view_rect
    pilot.step(2)
    assert pilot.pixel(vr.x + 5, vr.y + 5) == (200, 30, 30)
    stall = [e for e in read_events(app.log_dir / "events.jsonl") if e["type"] == "stall"]
    assert len(stall) == 1 and "fake-trainer" in stall[0]["stacks"]


class HungStub:
    """A worker whose thread never ends once it hangs (abandon cannot kill it)."""

    checkpoint = None

    def __init__(self, buffer: SharedBuffer) -> None:
        self.buffer = buffer
        self.alive = threading.Event()

    def start(self) -> None:
        self.alive.set()
        self.buffer.set_progress(state=TrainerState.TRAINING)

    def stop(self, timeout: float = 5.0) -> None:
        self.alive.clear()

    def abandon(self) -> None:
        pass  # still alive: that is the point

    def is_alive(self) -> bool:
        return self.alive.is_set()


def test_kiosk_watchdog_restarts_the_process_when_hung_threads_pile_up(tmp_path: Path):
    clock = Clock()
    buffer = SharedBuffer()
    records: list[dict] = []
    dog = Watchdog(lambda: HungStub(buffer), buffer, tmp_path / "pristine.pt", records.append,
                   state_dir=tmp_path / "state", restart_backoff_s=0.0, hang_s=10.0,
                   clock=clock)
    dog.start()
    reasons = []
    for _ in range(MAX_ABANDONED + 1):
        dog.check()  # sees the TRAINING progress of the current worker
        clock.t += 11.0
        reasons += [r["reason"] for r in dog.check()]
        buffer.set_progress(state=TrainerState.TRAINING)  # the replacement trains ... and hangs
    assert reasons == [TRAINER_HUNG] * MAX_ABANDONED + [TOO_MANY_HUNG]
    assert sum(r["type"] == "stall" for r in records) == MAX_ABANDONED + 1
    assert dog.check() == []  # it stopped supervising: the kiosk restarts the process
