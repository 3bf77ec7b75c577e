"""`hill-arcade kiosk`: the locked-down, self-healing exhibit front end."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pygame

from hill_arcade.app import App
from hill_arcade.config import SceneConfig
from hill_arcade.kiosk.attract import AttractScript
from hill_arcade.kiosk.chord import AdminChord, is_blocked_quit
from hill_arcade.kiosk.idle import IdleAction, IdleMachine, IdleState
from hill_arcade.kiosk.watchdog import TOO_MANY_HUNG, Watchdog
from hill_arcade.mode import Mode
from hill_arcade.session import Worker, WorkerFactory
from hill_arcade.shared import Command, CommandKind, SharedBuffer, TrainerState
from hill_arcade.views.kiosk import AttractOverlay, KioskPlayView

WATCHDOG_EVERY_S = 1.0
DEMO_MOVE_S = 1.5  # seconds between scripted attract moves
DEMO_MOVE_FRAMES = 20  # a move is animated over this many frames
VISITOR_EVENTS = (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEWHEEL,
                  pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.KEYDOWN)


def kiosk_worker_factory(scene: SceneConfig, buffer: SharedBuffer,
                         checkpoint: Path | None = None) -> Worker:
    """The real trainer in live mode: a snapshot every `kiosk.live_every` steps."""
    from hill_arcade.training.worker import TrainerWorker

    return TrainerWorker(scene, buffer, checkpoint=checkpoint,
                         live_every=scene.kiosk.live_every)


class KioskMode(Mode):
    """Kiosk hooks: idle attract demo, auto-reset, exit only by admin chord, a watchdog that
    supervises the trainer (it is the session's worker)."""

    name = "kiosk"
    play_view_class = KioskPlayView
    allow_scene_picker = False
    supervises_stalls = True  # the watchdog replaces a stalled trainer

    def __init__(self, scene_cfg: SceneConfig, worker_factory: WorkerFactory | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        kiosk = scene_cfg.kiosk
        self.scene_cfg = scene_cfg
        self.chord = AdminChord(kiosk.admin_chord, scene_cfg.source)
        self.now = clock
        self.idle = IdleMachine(kiosk.idle_attract_s, kiosk.idle_reset_s, clock=clock)
        self.inner_factory = worker_factory or kiosk_worker_factory
        self.attract: AttractScript | None = None  # made once the classes are known
        self.overlay: AttractOverlay | None = None
        self.exit_reason: str | None = None
        self.watchdog: Watchdog | None = None
        self.app: App | None = None
        self.pristine = Path()
        self._pristine_saved = False
        self._next_check = clock()
        self._next_demo = clock()
        self._demo: tuple[int, np.ndarray, int, int] | None = None  # class, step, left, gesture

    @property
    def state(self) -> IdleState:
        return self.idle.state

    def settings_overrides(self, scene: SceneConfig) -> dict[str, Any]:
        return {"epochs_per_round": scene.kiosk.round_epochs}

    def attach(self, app: App) -> None:
        self.app = app
        self.pristine = app.log_dir / "pristine.pt"
        pygame.mouse.set_visible(False)  # until a real mouse moves
        kiosk = self.scene_cfg.kiosk
        app.log.write("kiosk_start", admin_chord=kiosk.admin_chord,
                      idle_attract_s=kiosk.idle_attract_s, idle_reset_s=kiosk.idle_reset_s)

    def make_worker(self, scene: SceneConfig, buffer: SharedBuffer,
                    checkpoint: Path | None) -> Worker:
        """The watchdog, supervising a real trainer it restarts or rolls back as needed."""
        from hill_arcade.kiosk.watchdog import Watchdog

        self.watchdog = Watchdog(lambda: self.inner_factory(scene, buffer, checkpoint), buffer,
                                 self.pristine, self._on_recovery, hang_s=scene.kiosk.hang_s,
                                 clock=self.now)
        return self.watchdog

    # events -----------------------------------------------------------------------------
    def filter_event(self, event: pygame.event.Event) -> bool:
        """Admin chord exits; exit attempts are swallowed; visitor input resets the idle timer."""
        app = self.app
        assert app is not None
        if event.type == pygame.KEYDOWN and self.chord.matches(event.key, event.mod):
            self.exit_reason = "admin_chord"
            app.log.write("kiosk_exit", reason="admin_chord")
            app.running = False
            return False
        if is_blocked_quit(event):
            app.log.write("blocked_quit", event=pygame.event.event_name(event.type))
            return False
        if event.type == pygame.MOUSEMOTION and not getattr(event, "touch", False):
            pygame.mouse.set_visible(True)
        elif event.type in (pygame.FINGERDOWN, pygame.FINGERMOTION):
            pygame.mouse.set_visible(False)
        if event.type in VISITOR_EVENTS and self.idle.touch():
            self._hand_over()
            return False  # the touch that wakes the exhibit only hands it over
        return True

    def on_key(self, event: Any) -> bool:
        """No global shortcuts in kiosk mode (no help screen, fullscreen toggle, screenshots)."""
        return True

    def on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == "round_end" and self.watchdog is not None:
            self.watchdog.snapshot_good()  # a round finished cleanly: the last good model

    # per frame --------------------------------------------------------------------------
    def on_frame(self, dt: float) -> None:
        app = self.app
        assert app is not None and self.watchdog is not None
        now = self.now()
        if now >= self._next_check:
            self._next_check = now + WATCHDOG_EVERY_S
            self.watchdog.check()
        play = app.play
        if play is None:
            return
        if self.attract is None:
            self.attract = AttractScript(max(2, play.num_classes), seed=self.scene_cfg.runtime.seed)
        if not self._pristine_saved and app.session.progress().state is TrainerState.IDLE:
            app.session.send(Command(CommandKind.SAVE, self.pristine))  # the startup model
            self._pristine_saved = True
        for action in self.idle.update():
            if action is IdleAction.ATTRACT:
                self._start_attract()
            elif action is IdleAction.RESET:
                self._reset()
        if self.idle.state is IdleState.ATTRACT:
            self._demo_step(now)

    def _start_attract(self) -> None:
        assert self.app is not None
        self.overlay = AttractOverlay(self.app)
        self.app.push(self.overlay)
        self._next_demo = self.now()
        self.app.log.write("attract")

    def _hand_over(self) -> None:
        assert self.app is not None
        if self.overlay in self.app.stack:
            self.app.stack.remove(self.overlay)
        self.overlay = None
        self._demo = None
        self.app.log.write("handover")

    def _reset(self) -> None:
        """Auto-reset for the next visitor: pristine model, no edits, fresh demo."""
        assert self.app is not None and self.watchdog is not None
        self.watchdog.reset_to_pristine()
        if self.attract is not None:
            self.attract.reset()
        self._demo = None
        self._next_demo = self.now() + DEMO_MOVE_S
        if self.app.play is not None:
            self.app.play.clear_edits()

    def _demo_step(self, now: float) -> None:
        play = self.app.play if self.app is not None else None
        assert play is not None and play.edits is not None and self.attract is not None
        if self._demo is not None:
            cls, delta, left, gesture = self._demo
            play.move_class(cls, delta, gesture)  # the play view's own edit path
            self._demo = (cls, delta, left - 1, gesture) if left > 1 else None
            return
        if now < self._next_demo:
            return
        self._next_demo = now + DEMO_MOVE_S
        if self.attract.round_due and play.can_train():
            if play.train_round():
                self.attract.round_started()
            return
        move = self.attract.next_move(play.edits.positions, play.edits.labels)
        if move is not None:
            self._demo = (move.class_id, move.delta / DEMO_MOVE_FRAMES, DEMO_MOVE_FRAMES,
                          play.new_gesture())

    # self-healing -----------------------------------------------------------------------
    def _on_recovery(self, record: dict[str, Any]) -> None:
        assert self.app is not None
        self.app.log.event(record)
        if record.get("reason") == TOO_MANY_HUNG:  # hung threads pile up: start afresh
            self.exit_reason = "restart"
            self.app.running = False
            return
        if record.get("type") == "recovered" and isinstance(self.app.play, KioskPlayView):
            self.app.play.show_note("The trainer hit a snag and was restored - carry on!")


def kiosk_app(scene_cfg: SceneConfig, *, log_dir: Path | None = None, headless: bool = False,
              windowed: bool = False, worker_factory: WorkerFactory | None = None,
              clock: Callable[[], float] = time.monotonic, pretrained: bool = False) -> App:
    """An App in kiosk mode (borderless fullscreen unless ``windowed``)."""
    return App(scene_cfg, log_dir=log_dir, headless=headless, fullscreen=not windowed,
               mode=KioskMode(scene_cfg, worker_factory, clock), pretrained=pretrained)


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `kiosk [SCENE] [--log-dir DIR] [--windowed]` to the CLI's subcommands."""
    kiosk = sub.add_parser("kiosk", help="run a scene as a locked-down museum exhibit")
    kiosk.add_argument("scene", nargs="?", default="digits",
                       help="scene YAML file or bundled scene name (default: digits)")
    kiosk.add_argument("--log-dir", type=Path, default=None,
                       help="session log folder (default: ./hill-runs/<timestamp>/)")
    kiosk.add_argument("--windowed", action="store_true",
                       help="a normal window instead of borderless fullscreen")
    from hill_arcade.cli import add_runtime_options

    add_runtime_options(kiosk)
    kiosk.add_argument("--from-scratch", action="store_true",
                       help="start at epoch 0 instead of the scene's pretrained model (cached)")
