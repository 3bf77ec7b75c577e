"""Kiosk core: idle timing, admin chord, attract demo and the trainer watchdog (real worker)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pygame
import pytest

from hill_arcade.config import DisplayConfig, SceneConfig
from hill_arcade.data import load_dataset
from hill_arcade.edits import class_stats
from hill_arcade.errors import ConfigError
from hill_arcade.kiosk.attract import AttractScript, apply_move
from hill_arcade.kiosk.chord import AdminChord, is_blocked_quit
from hill_arcade.kiosk.idle import IdleAction, IdleMachine, IdleState
from hill_arcade.kiosk.watchdog import THREAD_DIED, TRAINER_HUNG, Watchdog
from hill_arcade.shared import Command, CommandKind, SharedBuffer, Targets, TrainerState
from hill_arcade.training.trainer import Trainer
from hill_arcade.training.worker import TrainerWorker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_attract_touch_play_then_reset_once() -> None:
    clock = FakeClock()
    idle = IdleMachine(45, 180, clock=clock)
    assert idle.update() == [] and idle.state is IdleState.PLAY
    clock.now += 44
    assert idle.update() == []
    clock.now += 1
    assert idle.update() == [IdleAction.ATTRACT] and idle.state is IdleState.ATTRACT
    assert idle.update() == []
    assert idle.touch() is True  # a visitor takes over from the demo
    assert idle.state is IdleState.PLAY and idle.update() == [IdleAction.PLAY]
    assert idle.touch() is False  # ordinary input while playing
    clock.now += 100
    assert idle.update() == [IdleAction.ATTRACT]
    clock.now += 80
    assert idle.update() == [IdleAction.RESET] and idle.state is IdleState.ATTRACT
    clock.now += 1000
    assert idle.update() == []  # one-shot: stays in the demo
    idle.touch()
    idle.update()
    clock.now += 500  # a long frame gap reports both, in order
    assert idle.update() == [IdleAction.ATTRACT, IdleAction.RESET]
    with pytest.raises(ValueError, match="greater"):
        IdleMachine(10, 10)


def key(k: int, mod: int = 0) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod)


def test_admin_chord_matches_only_the_configured_chord() -> None:
    chord = AdminChord(["ctrl", "shift", "alt", "q"])
    all3 = pygame.KMOD_LCTRL | pygame.KMOD_RSHIFT | pygame.KMOD_LALT
    assert chord.matches(pygame.K_q, all3)
    assert chord.matches(pygame.K_q, all3 | pygame.KMOD_NUM | pygame.KMOD_CAPS)
    assert not chord.matches(pygame.K_q, pygame.KMOD_CTRL)
    assert not chord.matches(pygame.K_q, pygame.KMOD_CTRL | pygame.KMOD_SHIFT)
    assert not chord.matches(pygame.K_w, all3)
    assert not chord.matches(pygame.K_q, all3 | pygame.KMOD_GUI)
    f12 = AdminChord(["shift", "F12"])
    assert f12.matches(pygame.K_F12, pygame.KMOD_LSHIFT) and not f12.matches(pygame.K_F12, 0)
    for bad, match in ((["ctrl", "qq"], "unknown key 'qq'"),
                       (["ctrl", "shift"], "expected one non-mod"),
                       (["a", "b"], "expected exactly one"), ([], "expected")):
        with pytest.raises(ConfigError, match=f"kiosk.admin_chord: {match}"):
            AdminChord(bad)


def test_exit_attempts_are_blocked() -> None:
    blocked = [pygame.event.Event(pygame.QUIT), pygame.event.Event(pygame.WINDOWCLOSE),
               key(pygame.K_ESCAPE), key(pygame.K_q, pygame.KMOD_LCTRL),
               key(pygame.K_q, pygame.KMOD_RCTRL | pygame.KMOD_SHIFT),
               key(pygame.K_F4, pygame.KMOD_LALT), key(pygame.K_q, pygame.KMOD_LGUI)]
    assert all(is_blocked_quit(e) for e in blocked)
    allowed = [key(pygame.K_q), key(pygame.K_F4), key(pygame.K_SPACE),
               pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(1, 1))]
    assert not any(is_blocked_quit(e) for e in allowed)


def mean_pairwise(points: np.ndarray, labels: np.ndarray, num_classes: int) -> float:
    centers, _ = class_stats(points, labels, num_classes)
    d = np.linalg.norm(centers[:, None] - centers[None], axis=2)
    return float(d[np.triu_indices(num_classes, 1)].mean())


def play_demo(seed: int, points: np.ndarray, labels: np.ndarray, moves: int):
    script = AttractScript(10, seed=seed)
    made = []
    for _ in range(moves):
        move = script.next_move(points, labels)
        assert move is not None
        made.append((move.class_id, move.delta.tolist()))
        points = apply_move(points, labels, move)
        if script.round_due:
            script.round_started()
    return points, made


def test_attract_script_moves_classes_apart_deterministically() -> None:
    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(10), 20)
    # crowded, overlapping classes near the middle, like an untrained projection
    points = (rng.normal(0, 0.15, (10, 2))[labels] + rng.normal(0, 0.2, (200, 2))).astype(
        np.float32)
    before = mean_pairwise(points, labels, 10)
    script = AttractScript(10, seed=7, moves_per_round=3)
    for _ in range(3):
        points_after = apply_move(points, labels, script.next_move(points, labels))
        points = points_after
    assert script.round_due
    script.round_started()
    assert not script.round_due
    three = mean_pairwise(points, labels, 10)
    assert three > before
    moved, seq_a = play_demo(7, points, labels, 15)
    assert mean_pairwise(moved, labels, 10) > 2 * before
    _, seq_b = play_demo(7, points, labels, 15)
    assert seq_a == seq_b  # same seed, same input: same demo
    _, seq_c = play_demo(8, points, labels, 15)
    assert seq_c != seq_a
    # every class ends near its slot on the circle, and the demo then runs out of moves
    script = AttractScript(10, seed=1, step_fraction=1.0)
    current = points
    for _ in range(20):
        move = script.next_move(current, labels)
        if move is None:
            break
        current = apply_move(current, labels, move)
    assert script.next_move(current, labels) is None
    goals = script.goals
    radii = np.linalg.norm(goals - goals.mean(0), axis=1)
    assert np.allclose(radii, radii[0], rtol=1e-4)


def wait_for(predicate, watchdog: Watchdog | None = None, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if watchdog is not None:
            watchdog.check()
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(scope="module")
def digits():
    scene = SceneConfig(display=DisplayConfig(per_class=10))
    return scene, load_dataset(scene.dataset, 0)


def test_watchdog_recovers_nan_round_and_dead_thread(digits, tmp_path: Path) -> None:
    scene, data = digits
    buffer = SharedBuffer()
    log: list[dict] = []
    workers: list[TrainerWorker] = []

    def make_worker() -> TrainerWorker:
        workers.append(TrainerWorker(scene, buffer,
                                     trainer_factory=lambda s: Trainer(s, data, device="cpu")))
        return workers[-1]

    pristine = tmp_path / "pristine.pt"
    dog = Watchdog(make_worker, buffer, pristine, log.append, state_dir=tmp_path / "state",
                   restart_backoff_s=0.0)
    dog.start()
    try:
        idle = lambda: buffer.progress().state is TrainerState.IDLE  # noqa: E731
        assert wait_for(idle, dog)
        buffer.send(Command(CommandKind.SAVE, pristine))
        buffer.send(Command(CommandKind.RUN_ROUND, 1))
        assert wait_for(lambda: idle() and buffer.latest().epoch == 1, dog)
        good_path = dog.snapshot_good()
        assert wait_for(lambda: dog.last_good() == good_path, dog)
        good = buffer.latest().points.copy()

        # fault 1: overflowing targets make the loss non-finite; the round reports ERROR
        snap = buffer.latest()
        centers = np.nanmean(snap.points, axis=0)[None].repeat(10, 0)
        buffer.set_targets(Targets(centers, np.full(10, 3e38, np.float32)))
        buffer.send(Command(CommandKind.RUN_ROUND, 1))
        assert wait_for(lambda: buffer.progress().state is TrainerState.ERROR)
        records = dog.check()
        assert [r["reason"] for r in records] == [buffer.progress().error]
        assert "NonFiniteLoss" in records[0]["reason"]
        assert records[0]["checkpoint"] == str(good_path)
        assert buffer.targets() is None  # the poisoned edit is dropped
        assert wait_for(lambda: idle() and buffer.progress().error is None, dog)
        assert dog.recovered == 1 and np.allclose(buffer.latest().points, good)

        # fault 2: the trainer thread dies; a new worker starts from the last good checkpoint
        workers[-1].stop()
        assert not workers[-1].is_alive()
        records = dog.check()
        assert [r["reason"] for r in records] == [THREAD_DIED]
        assert len(workers) == 2 and workers[-1].is_alive()
        assert wait_for(lambda: idle() and buffer.latest().epoch == 1, dog)
        assert np.allclose(buffer.latest().points, good, atol=1e-5)
        assert dog.recovered == 2
        assert [e["type"] for e in log] == ["recovered", "recovered"]

        # the restarted worker trains, and auto-reset goes back to the pristine model
        buffer.send(Command(CommandKind.RUN_ROUND, 1))
        assert wait_for(lambda: idle() and buffer.latest().epoch == 2, dog)
        dog.reset_to_pristine()
        assert wait_for(lambda: idle() and buffer.latest().epoch == 0, dog)
        assert dog.last_good() == pristine and log[-1]["type"] == "reset"
        assert dog.recovered == 2
    finally:
        dog.close()
    assert not workers[-1].is_alive()


def test_watchdog_replaces_a_hung_trainer_and_ignores_it_afterwards(digits, tmp_path: Path):
    scene, data = digits
    buffer = SharedBuffer()
    log: list[dict] = []
    workers: list[TrainerWorker] = []
    wake = threading.Event()
    now = [0.0]

    class HangingTrainer(Trainer):
        hang = False

        def train_epoch(self):  # noqa: ANN202
            if HangingTrainer.hang:
                wake.wait(30)  # stuck (a deadlocked driver, say) until the test lets go
            return super().train_epoch()

    def make_worker() -> TrainerWorker:
        workers.append(TrainerWorker(scene, buffer,
                                     trainer_factory=lambda s: HangingTrainer(s, data, "cpu")))
        return workers[-1]

    dog = Watchdog(make_worker, buffer, tmp_path / "pristine.pt", log.append,
                   state_dir=tmp_path / "state", restart_backoff_s=0.0, hang_s=60.0,
                   clock=lambda: now[0])
    dog.start()
    try:
        idle = lambda: buffer.progress().state is TrainerState.IDLE  # noqa: E731
        assert wait_for(idle, dog)
        buffer.send(Command(CommandKind.SAVE, tmp_path / "pristine.pt"))
        HangingTrainer.hang = True
        buffer.send(Command(CommandKind.RUN_ROUND, 1))
        assert wait_for(lambda: buffer.progress().state is TrainerState.TRAINING, dog)
        now[0] += 30.0
        assert dog.check() == []  # slow is not hung
        HangingTrainer.hang = False  # the replacement trains normally
        now[0] += 31.0
        records = dog.check()
        assert [r["reason"] for r in records] == [TRAINER_HUNG]
        assert len(workers) == 2 and workers[0].is_alive()  # abandoned, not killed
        assert wait_for(lambda: idle() and buffer.latest().epoch == 0, dog)
        version = buffer.latest().version
        wake.set()  # the hung thread wakes up, finishes its epoch ... into its own buffer
        assert wait_for(lambda: not workers[0].is_alive())
        assert buffer.latest().version == version and buffer.latest().epoch == 0
        assert idle()  # not the "stopped" the old thread reports on its way out
        assert not [e for e in buffer.take_events() if e.get("type") == "epoch"]
        buffer.send(Command(CommandKind.RUN_ROUND, 1))  # the new worker is the one in charge
        assert wait_for(lambda: idle() and buffer.latest().epoch == 1, dog)
    finally:
        wake.set()
        dog.close()
