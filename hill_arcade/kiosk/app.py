"""`hill-arcade kiosk`: the locked-down, self-healing exhibit front end."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pygame

from hill_arcade.app import App, WorkerFactory
from hill_arcade.config import SceneConfig
from hill_arcade.kiosk.attract import AttractScript
from hill_arcade.kiosk.chord import AdminChord, is_blocked_quit
from hill_arcade.kiosk.idle import IdleAction, IdleMachine, IdleState
from hill_arcade.shared import Command, CommandKind, SharedBuffer, TrainerState
from hill_arcade.views.kiosk import AttractOverlay, KioskPlayView

WATCHDOG_EVERY_S = 1.0
DEMO_MOVE_S = 1.5  # seconds between scripted attract moves
DEMO_MOVE_FRAMES = 20  # a move is animated over this many frames
VISITOR_EVENTS = (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEWHEEL,
                  pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.KEYDOWN)


def kiosk_worker_factory(scene: SceneConfig, buffer: SharedBuffer,
                         on_event: Callable[[dict], None]) -> Any:
    """The real trainer in live mode: a snapshot every `kiosk.live_every` steps."""
    from hill_arcade.training.worker import TrainerWorker

    return TrainerWorker(scene, buffer, on_event=on_event, live_every=scene.kiosk.live_every)


class _Supervised:
    """What App sees as its worker: the watchdog and whichever worker it keeps alive."""

    def __init__(self, watchdog: Any) -> None:
        self.watchdog = watchdog

    def start(self) -> None:
        self.watchdog.start()

    def stop(self) -> None:
        self.watchdog.close()

    def is_alive(self) -> bool:
        return self.watchdog.worker is not None and self.watchdog.worker.is_alive()


class KioskApp(App):
    """App in kiosk mode: idle attract demo, auto-reset, exit only by admin chord, watchdog."""

    play_view_class = KioskPlayView

    def __init__(self, scene_cfg: SceneConfig, *, log_dir: Path | None = None,
                 headless: bool = False, windowed: bool = False,
                 worker_factory: WorkerFactory | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        kiosk = scene_cfg.kiosk
        self.chord = AdminChord(kiosk.admin_chord, scene_cfg.source)
        self.now = clock
        self.idle = IdleMachine(kiosk.idle_attract_s, kiosk.idle_reset_s, clock=clock)
        self.attract: AttractScript | None = None  # made once the classes are known
        self.overlay: AttractOverlay | None = None
        self.exit_reason: str | None = None
        self._inner_factory = worker_factory or kiosk_worker_factory
        self._pristine_saved = False
        self._round_ends: list[int] = []  # epochs of finished rounds (from the trainer thread)
        self._next_check = clock()
        self._next_demo = clock()
        self._demo: tuple[int, np.ndarray, int] | None = None  # class, per-frame delta, left
        super().__init__(scene_cfg, log_dir=log_dir, headless=headless,
                         worker_factory=self._supervised, fullscreen=not windowed)
        self.pristine = self.log_dir / "pristine.pt"
        pygame.mouse.set_visible(False)  # until a real mouse moves
        self.log.write("kiosk_start", admin_chord=kiosk.admin_chord,
                       idle_attract_s=kiosk.idle_attract_s, idle_reset_s=kiosk.idle_reset_s)

    def _supervised(self, scene: SceneConfig, buffer: SharedBuffer,
                    on_event: Callable[[dict], None], **_: Any) -> _Supervised:
        from hill_arcade.kiosk.watchdog import Watchdog

        self.watchdog = Watchdog(lambda: self._inner_factory(scene, buffer, on_event=on_event),
                                 buffer, self.log_dir / "pristine.pt", self._on_recovery,
                                 hang_s=scene.kiosk.hang_s, clock=self.now)
        return _Supervised(self.watchdog)

    @property
    def state(self) -> IdleState:
        return self.idle.state

    # events -----------------------------------------------------------------------------
    def filter_event(self, event: pygame.event.Event) -> bool:
        """Admin chord exits; exit attempts are swallowed; visitor input resets the idle timer."""
        if event.type == pygame.KEYDOWN and self.chord.matches(event.key, event.mod):
            self.exit_reason = "admin_chord"
            self.log.write("kiosk_exit", reason="admin_chord")
            self.running = False
            return False
        if is_blocked_quit(event):
            self.log.write("blocked_quit", event=pygame.event.event_name(event.type))
            return False
        if event.type == pygame.MOUSEMOTION and not getattr(event, "touch", False):
            pygame.mouse.set_visible(True)
        elif event.type in (pygame.FINGERDOWN, pygame.FINGERMOTION):
            pygame.mouse.set_visible(False)
        if event.type in VISITOR_EVENTS and self.idle.touch():
            self._hand_over()
            return False  # the touch that wakes the exhibit only hands it over
        return True

    def _global(self, event: Any) -> None:
        """No global shortcuts in kiosk mode (no help screen, fullscreen toggle, screenshots)."""

    # per frame --------------------------------------------------------------------------
    def tick(self) -> None:
        now = self.now()
        if now >= self._next_check:
            self._next_check = now + WATCHDOG_EVERY_S
            self.watchdog.check()
        play = self.play
        if play is None:
            return
        if self.attract is None:
            self.attract = AttractScript(max(2, play.num_classes), seed=self.scene_cfg.runtime.seed)
        if not self._pristine_saved and self.buffer.progress().state is TrainerState.IDLE:
            self.buffer.send(Command(CommandKind.SAVE, self.pristine))  # the startup model
            self._pristine_saved = True
        while self._round_ends:  # a round finished cleanly: keep it as the last good model
            self._round_ends.pop()
            self.watchdog.snapshot_good()
        for action in self.idle.update():
            if action is IdleAction.ATTRACT:
                self._start_attract()
            elif action is IdleAction.RESET:
                self._reset()
        if self.idle.state is IdleState.ATTRACT:
            self._demo_step(now)

    def _start_attract(self) -> None:
        self.overlay = AttractOverlay(self)
        self.push(self.overlay)
        self._next_demo = self.now()
        self.log.write("attract")

    def _hand_over(self) -> None:
        if self.overlay in self.stack:
            self.stack.remove(self.overlay)
        self.overlay = None
        self._demo = None
        self.log.write("handover")

    def _reset(self) -> None:
        """Auto-reset for the next visitor: pristine model, no edits, fresh demo."""
        self.watchdog.reset_to_pristine()
        if self.attract is not None:
            self.attract.reset()
        self._demo = None
        self._next_demo = self.now() + DEMO_MOVE_S
        if self.play is not None and self.play.snapshot is not None:
            self.play.set_snapshot(self.play.snapshot)  # drops the edits

    def _demo_step(self, now: float) -> None:
        play = self.play
        assert play is not None and play.edits is not None and self.attract is not None
        if self._demo is not None:
            cls, delta, left = self._demo
            play.edits.move_class(cls, delta, play._gesture)  # the play view's own edit path
            self._demo = (cls, delta, left - 1) if left > 1 else None
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
            play._gesture += 1
            self._demo = (move.class_id, move.delta / DEMO_MOVE_FRAMES, DEMO_MOVE_FRAMES)

    # self-healing -----------------------------------------------------------------------
    def _on_worker_event(self, event: dict[str, Any]) -> None:
        super()._on_worker_event(event)
        if event.get("type") == "round_end":
            self._round_ends.append(int(event.get("epoch", 0)))  # list.append is thread-safe

    def _on_recovery(self, record: dict[str, Any]) -> None:
        self.log.event(record)
        if record.get("type") == "recovered" and isinstance(self.play, KioskPlayView):
            self.play.show_note("The trainer hit a snag and was restored - carry on!")


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `kiosk [SCENE] [--log-dir DIR] [--windowed]` to the CLI's subcommands."""
    kiosk = sub.add_parser("kiosk", help="run a scene as a locked-down museum exhibit")
    kiosk.add_argument("scene", nargs="?", default="digits",
                       help="scene YAML file or bundled scene name (default: digits)")
    kiosk.add_argument("--log-dir", type=Path, default=None,
                       help="session log folder (default: ./hill-runs/<timestamp>/)")
    kiosk.add_argument("--windowed", action="store_true",
                       help="a normal window instead of borderless fullscreen")


def run_kiosk(args: argparse.Namespace) -> int:
    """Run the kiosk until the admin chord; returns the exit status."""
    from hill_arcade.config import load_scene, resolve_scene

    scene = load_scene(resolve_scene(args.scene))
    KioskApp(scene, log_dir=args.log_dir, windowed=args.windowed).run()
    return 0
