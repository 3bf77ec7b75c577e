"""Kiosk front end, driven headless through the real loop with injected SDL events."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
import pygame
import pytest

from hill_arcade.config import KioskConfig
from hill_arcade.kiosk.app import (
    DEMO_MOVE_FRAMES,
    DEMO_MOVE_S,
    add_parser,
    kiosk_app,
    kiosk_worker_factory,
)
from hill_arcade.kiosk.idle import IdleState
from hill_arcade.shared import Command, CommandKind, Targets, TrainerState
from hill_arcade.views.kiosk import OVERLAY_BOX, KioskPlayView


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def make_kiosk(make_app):
    """A headless, windowed KioskApp: FakeWorker with fake=True, else the supervised trainer."""

    def make(scene, fake: bool = False, clock=None):
        kwargs = {"windowed": True} | ({"clock": clock} if clock is not None else {})
        return make_app(worker_factory=None if fake else kiosk_worker_factory, scene=scene,
                        app_cls=kiosk_app, app_kwargs=kwargs)

    return make


@pytest.fixture
def kiosk_scene(digits_scene):
    kiosk = KioskConfig(idle_attract_s=45.0, idle_reset_s=180.0, live_every=5, round_epochs=1)
    return dataclasses.replace(digits_scene, kiosk=kiosk)


def idle_at_epoch(app, epoch: int) -> bool:
    snap = app.buffer.latest()
    return (app.buffer.progress().state is TrainerState.IDLE and snap.epoch == epoch
            and app.play.snapshot.epoch == epoch)


def events(app) -> list[dict]:
    return [json.loads(line) for line in (app.log_dir / "events.jsonl").read_text().splitlines()]


def test_exit_attempts_are_swallowed_and_only_the_admin_chord_exits(make_kiosk) -> None:
    from hill_arcade.config import SceneConfig

    app, pilot = make_kiosk(SceneConfig(), fake=True)
    assert not pygame.mouse.get_visible()
    pilot.post(pygame.QUIT)
    pilot.post(pygame.WINDOWCLOSE)
    pilot.press(pygame.K_ESCAPE)
    pilot.press(pygame.K_q, pygame.KMOD_LCTRL)
    pilot.press(pygame.K_F4, pygame.KMOD_LALT)
    pilot.press(pygame.K_h)  # no help screen to get stuck in
    pilot.step(3)
    assert app.running and app.stack == [app.play]
    # two fingers drag two classes at once
    before = app.play.class_centers().copy()
    (ax, ay), (bx, by) = pilot.cross_screen(0), pilot.cross_screen(5)
    pilot.multi_touch_drag([(1, (ax, ay), (ax + 40, ay)), (2, (bx, by), (bx, by + 40))])
    moved = np.linalg.norm(app.play.class_centers() - before, axis=1) > 1e-3
    assert moved[0] and moved[5] and moved.sum() == 2
    assert sum(e["type"] == "blocked_quit" for e in events(app)) == 5
    pilot.move(300, 300)  # a real mouse shows the cursor
    pilot.step()
    assert pygame.mouse.get_visible()
    pilot.press(pygame.K_q, pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT | pygame.KMOD_LALT)
    assert not app.running and app.mode.exit_reason == "admin_chord"


def test_idle_attract_handover_and_auto_reset(make_kiosk, kiosk_scene) -> None:
    clock = FakeClock()
    app, pilot = make_kiosk(kiosk_scene, clock=clock)
    play = app.play
    assert isinstance(play, KioskPlayView) and play.epochs_per_round == 1
    assert min(play.panel.train_button.rect.h, play.panel.alpha_slider.rect.h) >= 48
    pilot.wait_until(app.mode.pristine.exists, 30)

    # a visitor drags a class and trains one round from the big button
    x, y = pilot.cross_screen(0)
    pilot.drag((x, y), (x + 60, y + 30))
    assert play.edits.edited
    pilot.click(*play.panel.train_button.rect.center)
    pilot.wait_until(lambda: idle_at_epoch(app, 1), 60)
    pilot.wait_until(lambda: app.mode.watchdog.last_good() != app.mode.pristine, 30)

    # nobody touches it: the attract demo runs under the overlay and edits via the play view
    assert not play.edits.edited
    clock.t += 46
    pilot.step(2)
    assert app.mode.state is IdleState.ATTRACT and app.mode.overlay in app.stack
    w, h = app.screen.get_size()
    assert pilot.pixel(w // 2, h // 2 - 62) == OVERLAY_BOX
    pilot.step(DEMO_MOVE_FRAMES + 2)
    assert play.edits.edited  # the first scripted move
    for _ in range(3):  # three scripted moves, then the demo trains a round itself
        clock.t += DEMO_MOVE_S
        pilot.step(DEMO_MOVE_FRAMES + 2)
    pilot.wait_until(lambda: idle_at_epoch(app, 2), 60)
    assert app.mode.state is IdleState.ATTRACT

    # the first touch hands over: overlay gone, demo stops
    pilot.click(w // 2, h - 20)
    assert app.mode.state is IdleState.PLAY and app.mode.overlay is None and app.stack == [play]
    positions = play.edits.positions.copy()
    pilot.step(DEMO_MOVE_FRAMES + 2)
    assert np.array_equal(play.edits.positions, positions)

    # idle again past idle_reset_s: the pristine model comes back and the edits are cleared
    clock.t += 181
    pilot.step()
    assert app.mode.state is IdleState.ATTRACT
    pilot.wait_until(lambda: idle_at_epoch(app, 0) and not play.edits.edited, 60)
    assert app.mode.watchdog.last_good() == app.mode.pristine
    types = [e["type"] for e in events(app)]
    assert {"attract", "handover", "reset", "round_end"} <= set(types)


def test_trainer_fault_is_recovered_without_stopping(make_kiosk, kiosk_scene) -> None:
    app, pilot = make_kiosk(kiosk_scene)
    pilot.wait_until(app.mode.pristine.exists, 30)
    snap = app.buffer.latest()
    c = app.play.num_classes
    centers = np.nanmean(snap.points, axis=0)[None].repeat(c, 0)
    app.buffer.set_targets(Targets(centers, np.full(c, 3e38, np.float32)))
    app.buffer.send(Command(CommandKind.RUN_ROUND, 1))
    pilot.wait_until(lambda: app.mode.watchdog.recovered == 1 and idle_at_epoch(app, 0)
                     and app.buffer.progress().error is None, 60)
    assert app.running and app.play.note is not None
    recovered = [e for e in events(app) if e["type"] == "recovered"]
    assert len(recovered) == 1 and "NonFinite" in recovered[0]["reason"]
    pilot.step(3)
    assert app.running and app.mode.watchdog.recovered == 1


def test_cli_parser() -> None:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["kiosk", "iris", "--windowed", "--log-dir", "x"])
    assert (args.scene, args.windowed, args.log_dir) == ("iris", True, Path("x"))
    assert parser.parse_args(["kiosk"]).scene == "digits"
