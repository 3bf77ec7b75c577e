"""The pygame window: fixed-rate loop, scene stack, global shortcuts, trainer wiring."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections import deque
from datetime import datetime
from pathlib import Path
from typing import Any

import pygame

from hill_arcade.config import SceneConfig
from hill_arcade.errors import LogWriteError
from hill_arcade.input import InputEvent, InputTranslator, Key
from hill_arcade.mode import Mode
from hill_arcade.render.scale import px, resolve_scale, set_ui_scale
from hill_arcade.scene import Scene
from hill_arcade.session import (
    PRETRAINED,
    Settings,
    TrainingSession,
    Worker,
    WorkerFactory,
    default_worker_factory,
)
from hill_arcade.session_log import SessionLog, default_log_dir
from hill_arcade.shared import Command, CommandKind, SharedBuffer, TrainerState
from hill_arcade.stall import StallWatch, thread_stacks
from hill_arcade.views.confirm import request_quit, show_toast
from hill_arcade.views.help import HelpView
from hill_arcade.views.loading import LoadingView
from hill_arcade.views.picker import PickerView
from hill_arcade.views.play import PlayView

_REPAINT_EVENTS = (pygame.VIDEOEXPOSE, pygame.WINDOWEXPOSED, pygame.WINDOWRESTORED,
                   pygame.WINDOWMAXIMIZED, pygame.WINDOWSHOWN)

def keep_triton_out() -> None:
    """Stop torch from importing triton in this process.

    Triton bundles its own LLVM; loaded beside the LLVM that Mesa's GL driver brings into a
    windowed SDL process, it segfaults (seen under Xvfb when torch._dynamo probes for triton
    while building the optimizer). hill-arcade never uses torch.compile, so it needs no triton.
    """
    if "triton" not in sys.modules:
        sys.modules["triton"] = None  # type: ignore[assignment]  # makes `import triton` fail


class App:
    """Owns the window, the clock, the scene stack, the log and one training session; a
    :class:`~hill_arcade.mode.Mode` adds kiosk or study behaviour through its hooks."""

    def __init__(self, scene_cfg: SceneConfig, *, log_dir: Path | None = None,
                 headless: bool = False, worker_factory: WorkerFactory | None = None,
                 checkpoint: Path | None = None, fullscreen: bool = False,
                 mode: Mode | None = None, log: Any = None, pretrained: bool = False) -> None:
        if headless:
            os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
            os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        self.scene_cfg = scene_cfg
        self.headless = headless
        self.fps = scene_cfg.ui.fps
        keep_triton_out()
        pygame.display.init()
        pygame.font.init()
        pygame.display.set_caption(f"HILL arcade - {scene_cfg.name}")
        desktop = pygame.display.get_desktop_sizes()[0] if not headless else None
        set_ui_scale(resolve_scale(scene_cfg.ui.scale, desktop[1] if desktop else None))
        if fullscreen and not headless:  # borderless, at the desktop's resolution
            self.screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN | pygame.NOFRAME)
        else:
            size = (px(scene_cfg.ui.width), px(scene_cfg.ui.height))
            if desktop:  # a window scaled up for a dense screen still fits on it
                size = (min(size[0], desktop[0]), min(size[1], desktop[1]))
            self.screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        self.clock = pygame.time.Clock()
        self.fullscreen = fullscreen and not headless
        self.running = True
        self.frame = 0
        self._last_dt = 1.0 / self.fps
        self.frame_times: deque[float] = deque(maxlen=10000)  # seconds of work per frame
        # retained drawing: see _draw; scenes read repaint_all and report damage()
        self.repaint_all = True
        self._force_repaint = False
        self._drawn: tuple = ()
        self._damage: list[pygame.Rect] = []
        self.presented: list[pygame.Rect] = []  # window regions the last frame updated
        self.translator = InputTranslator()
        self.log = log if log is not None else SessionLog(
            Path(log_dir) if log_dir is not None else default_log_dir())
        self.log_dir = self.log.dir
        self.mode = mode or Mode()
        self.stack: list[Scene] = [LoadingView(self)]
        self.play: PlayView | None = None
        self.log.write("session_start", scene=scene_cfg.name, source=scene_cfg.source,
                       mode=self.mode.name)
        self.worker_factory = worker_factory or default_worker_factory
        self.pretrained = pretrained  # no checkpoint: start from the cached pretrained model
        self.record_error: str | None = None  # the log cannot be written (shown on screen)
        self.stall_error: str | None = None  # the trainer stopped making progress
        self._stall = StallWatch(scene_cfg.kiosk.hang_s)
        self.saved_sessions: list[tuple[SceneConfig, Path, int]] = []  # picker's "back to"
        self.redraw()  # a painted splash in the very first frame, before torch is imported
        pygame.event.pump()
        self.mode.attach(self)
        self.session = self._new_session(scene_cfg, checkpoint)
        self.session.start()

    def _new_session(self, scene_cfg: SceneConfig, checkpoint: Path | None) -> TrainingSession:
        def factory(scene: SceneConfig, buffer: SharedBuffer, ckpt: Path | None) -> Worker:
            return (self.mode.make_worker(scene, buffer, ckpt)
                    or self.worker_factory(scene, buffer, ckpt))

        if checkpoint is None and self.pretrained:
            checkpoint = PRETRAINED
        settings = Settings.from_scene(scene_cfg, **self.mode.settings_overrides(scene_cfg))
        session = TrainingSession(scene_cfg, self.log, factory, settings=settings,
                                  checkpoint=None if checkpoint is None else Path(checkpoint))
        session.lock(*self.mode.locked_settings)
        return session

    @property
    def buffer(self) -> SharedBuffer:
        """The current session's exchange with its trainer."""
        return self.session.buffer

    @property
    def worker(self) -> Worker:
        return self.session.worker

    def switch_scene(self, scene_cfg: SceneConfig, checkpoint: Path | None = None) -> None:
        """Stop the session and restart loading with ``scene_cfg``: a fresh session, or one
        restored from ``checkpoint`` (the picker's "back to" rows)."""
        self.session.stop()
        self.log.write("scene_switch", old=self.scene_cfg.name, new=scene_cfg.name,
                       source=scene_cfg.source,
                       checkpoint=None if checkpoint is None else str(checkpoint))
        gc.unfreeze()
        self.scene_cfg = scene_cfg
        self.play = None
        self.stack = [LoadingView(self)]
        pygame.display.set_caption(f"HILL arcade - {scene_cfg.name}")
        self.session = self._new_session(scene_cfg, checkpoint)
        self._stall.reset()
        self.session.start()

    # scene stack -----------------------------------------------------------------------
    @property
    def top(self) -> Scene:
        return self.stack[-1]

    def push(self, scene: Scene) -> None:
        self.stack.append(scene)

    def pop(self) -> Scene | None:
        return self.stack.pop() if len(self.stack) > 1 else None

    # loop ------------------------------------------------------------------------------
    def run(self) -> None:
        """Run until Esc / window close, then shut down."""
        try:
            while self.running:
                self.step()
        finally:
            self.close()

    def step(self, frames: int = 1) -> None:
        """Process queued events, update and draw ``frames`` frames."""
        for _ in range(frames):
            if not self.running:
                return
            self._frame()

    def _frame(self) -> None:
        t0 = time.perf_counter()
        for event in pygame.event.get():
            try:
                self._dispatch(event)
            except LogWriteError as exc:  # an edit or a setting could not be recorded
                self.recording_failed(exc)
        # headless runs are deterministic (one nominal frame per step); live runs use real time
        dt = 1.0 / self.fps if self.headless else min(0.1, max(self._last_dt, 1e-3))
        self._check_stall()
        try:
            events = self.session.poll()
        except LogWriteError as exc:
            self.recording_failed(exc)
            events = []
        else:
            if events:
                self.record_error = None  # writing works again: nothing was lost
        for event in events:
            self.mode.on_event(event)
            if self.play is not None:
                self.play.on_event(event)
        self._maybe_start_play()
        self.mode.on_frame(dt)
        for scene in list(self.stack):
            scene.update(dt)
        self._draw()
        self.frame += 1
        self.frame_times.append(time.perf_counter() - t0)
        ms = self.clock.tick() if self.headless else self.clock.tick(self.fps)
        self._last_dt = ms / 1000.0

    def _draw(self) -> None:
        """Draw the visible scenes; present only what changed.

        The window surface keeps its pixels between frames, so when every visible scene is
        ``retained`` each redraws just the regions whose content changed and reports them with
        :meth:`damage` (an overlay also redraws itself where a scene below reported damage);
        a frame where nothing changed costs no drawing at all, which leaves the GIL (and the
        CPU) to the trainer thread. Any other stack, a new scene, a resize or an expose event
        repaints everything.
        """
        self.screen = pygame.display.get_surface()
        start = max((i for i, s in enumerate(self.stack) if s.opaque), default=0)
        shown = self.stack[start:]
        drawn = (*shown, self.screen, self.screen.get_size())
        self.repaint_all = (self._force_repaint or drawn != self._drawn
                            or not all(s.retained for s in shown))
        self._drawn, self._force_repaint = drawn, False
        self._damage = []
        for scene in shown:
            scene.draw(self.screen)
        if self._force_repaint and not self.repaint_all:  # asked for by a scene mid-frame
            self.repaint_all, self._force_repaint, self._damage = True, False, []
            for scene in shown:
                scene.draw(self.screen)
        if self.repaint_all:
            pygame.display.flip()
            self.presented = [self.screen.get_rect()]
        else:
            if self._damage:
                pygame.display.update(self._damage)
            self.presented = self._damage

    def redraw(self) -> None:
        """Repaint and present the whole window now, without advancing time or input."""
        self.invalidate()
        self._draw()

    def damage(self, rect: pygame.Rect) -> None:
        """Mark a screen region redrawn this frame (retained scenes call this)."""
        self._damage.append(pygame.Rect(rect))

    def damaged(self, rect: pygame.Rect) -> bool:
        """True if a region redrawn so far this frame overlaps ``rect`` (for overlays)."""
        return pygame.Rect(rect).collidelist(self._damage) >= 0

    def _check_stall(self) -> None:
        """A trainer that trains yet reports nothing for ``kiosk.hang_s``: say so and log
        every thread's stack (the kiosk's watchdog replaces it instead)."""
        if self.mode.supervises_stalls:
            return
        progress = self.session.progress()
        if self._stall.check(progress):
            seconds = int(self._stall.stall_s)
            self.stall_error = (f"the trainer has made no progress for {seconds} s - its state "
                                "is logged; esc to quit")
            self.log.write("stall", seconds=seconds, stacks=thread_stacks())
        elif self.stall_error is not None and not self._stall.stalled(progress):
            self.stall_error = None

    def recording_failed(self, exc: LogWriteError) -> None:
        """The log cannot be written (a full disk): say so on screen and pause training so
        nothing goes unrecorded; the log repairs itself once writing works again."""
        self.record_error = f"cannot record: {exc.reason} - training paused; free space, " \
                            "then press space to resume"
        if self.session.progress().state is TrainerState.TRAINING:
            self.session.send(Command(CommandKind.PAUSE))

    def invalidate(self) -> None:
        """Repaint the whole window: next frame, or this one if called while drawing."""
        self._force_repaint = True

    def _maybe_start_play(self) -> None:
        if self.play is not None:
            return
        snap = self.buffer.latest()
        if snap is None:
            return
        self.play = (self.mode.play_view_class or PlayView)(self, snap)
        gc.freeze()  # long-lived startup objects (torch, data) leave the GC's full scans
        self.stack = [self.play] + [s for s in self.stack if not isinstance(s, LoadingView)]

    def _dispatch(self, event: pygame.event.Event) -> None:
        if not self.mode.filter_event(event):
            return
        if event.type == pygame.QUIT:  # the window's close button: asks if work would be lost
            request_quit(self, "window_close")
            return
        if event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
            self.screen = pygame.display.get_surface()
            self.invalidate()
            return
        if event.type in _REPAINT_EVENTS:  # the window system lost our pixels
            self.invalidate()
            return
        typed = self.translator.translate(event, self.screen.get_size())
        if typed is None:
            return
        if not self.top.handle(typed):
            self._global(typed)

    def _global(self, event: InputEvent) -> None:
        if not isinstance(event, Key) or self.mode.on_key(event):
            return
        if event.key == pygame.K_ESCAPE:
            request_quit(self, "esc")
        elif event.key == pygame.K_f:
            self.toggle_fullscreen()
        elif event.key == pygame.K_s and not event.mod & pygame.KMOD_CTRL:
            show_toast(self, f"Screenshot saved: {self.screenshot()}")
        elif event.key == pygame.K_h:
            self.push(HelpView(self))
        elif (event.key == pygame.K_p and self.mode.allow_scene_picker
              and isinstance(self.top, (PlayView, LoadingView))):
            self.push(PickerView(self))

    def toggle_fullscreen(self) -> None:
        """Switch between windowed and fullscreen (no-op on drivers without a display)."""
        self.fullscreen = not self.fullscreen
        if not self.headless:  # set_mode, not toggle_fullscreen: that one warns on X11
            try:
                if self.fullscreen:
                    self._windowed = self.screen.get_size()
                    pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
                else:
                    size = getattr(self, "_windowed", None) or (
                        px(self.scene_cfg.ui.width), px(self.scene_cfg.ui.height))
                    pygame.display.set_mode(size, pygame.RESIZABLE)
            except pygame.error:
                self.fullscreen = not self.fullscreen
        self.screen = pygame.display.get_surface()
        self.invalidate()
        self.log.write("fullscreen", on=self.fullscreen)

    def screenshot(self, path: Path | None = None) -> Path:
        """Save the current frame as PNG (default: into the log folder)."""
        if path is None:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            path = self.log_dir / f"screenshot-{stamp}-{self.frame:06d}.png"
        pygame.image.save(self.screen, str(path))
        self.log.write("screenshot", path=str(path))
        return Path(path)

    def close(self) -> None:
        """Stop the worker, close the log and the window."""
        self.running = False
        gc.unfreeze()
        try:
            self.mode.on_close()
            self.session.stop()
            if self.play is not None:
                self.play.ledger.close()
        finally:
            self.log.write("session_end", frames=self.frame)
            self.log.close()
            pygame.display.quit()
