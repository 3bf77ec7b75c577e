"""Scene picker overlay: big rows for each bundled scene; click/tap or up/down + enter picks.

The current scene is highlighted; a scene whose data is missing says so in full, with the
command that fixes it, and cannot be chosen. Leaving a trained session asks first and saves it
(a checkpoint in the session's log folder, written by the trainer's SAVE command); the picker
then lists "back to <scene> (epoch N)", which restarts from that checkpoint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygame

from hill_arcade.config import SceneConfig, load_scene
from hill_arcade.errors import ConfigError, HillError
from hill_arcade.input import InputEvent, Key, PointerDown, Wheel
from hill_arcade.render.palette import BACKGROUND, INK
from hill_arcade.render.scale import px
from hill_arcade.scene import Scene
from hill_arcade.shared import Command, CommandKind, TrainerState
from hill_arcade.views.confirm import Choice, ConfirmView, pending_edits
from hill_arcade.widgets.base import font, text
from hill_arcade.widgets.status import wrap_text

ROW_H = 64  # touch-friendly (>= 48 px)
LINE_H = 20  # a wrapped explanation line
SAVE_TIMEOUT_S = 120.0  # a round in progress finishes before the trainer saves
SELECTED = (210, 228, 245)
CURRENT = (0, 114, 178)
PROBLEM_INK = (170, 60, 60)


@dataclass
class PickerEntry:
    """One row: a bundled scene (or a saved session to go back to) and why it cannot be
    chosen (``error``: the file does not load; ``problem``: its data is missing)."""

    stem: str
    cfg: SceneConfig | None
    error: str = ""
    problem: str = ""
    checkpoint: Path | None = None  # a saved session: restart from here
    epoch: int | None = None
    current: bool = False
    lines: list[str] = field(default_factory=list)  # wrapped explanation (layout)

    @property
    def available(self) -> bool:
        return self.cfg is not None and not self.error and not self.problem

    @property
    def title(self) -> str:
        if self.checkpoint is not None and self.cfg is not None:
            return f"back to {self.cfg.name} (epoch {self.epoch})"
        name = self.cfg.name if self.cfg is not None else self.stem
        return f"{name}  (current)" if self.current else name

    @property
    def detail(self) -> str:
        if self.error or self.problem:
            return self.error or self.problem
        if self.checkpoint is not None:
            return f"restart from {self.checkpoint}"
        return self.stem


def scene_problem(cfg: SceneConfig) -> str:
    """Why a scene cannot start now (its data is missing), with the command that fixes it;
    "" when it can. Checks files only (fast)."""
    try:
        from hill_arcade.study.preflight import dataset_problem

        return dataset_problem(cfg) or ""
    except (HillError, OSError, ImportError) as exc:
        return f"cannot check its data: {exc}"


def bundled_scenes(scenes_dir: Path | None = None) -> list[PickerEntry]:
    """Load every ``*.yaml`` in the scenes folder (sorted by stem), keeping failures."""
    if scenes_dir is None:
        from hill_arcade import SCENES_DIR

        scenes_dir = SCENES_DIR
    entries = []
    for path in sorted(Path(scenes_dir).glob("*.yaml")):
        try:
            cfg = load_scene(path)
        except ConfigError as exc:
            entries.append(PickerEntry(path.stem, None, str(exc).splitlines()[0]))
            continue
        entries.append(PickerEntry(path.stem, cfg, problem=scene_problem(cfg)))
    return entries


def _same_scene(a: SceneConfig, b: SceneConfig) -> bool:
    return a is b or (a.name == b.name and a.source == b.source)


def session_epoch(app: Any) -> int:
    """The epoch of the model on screen (0 while loading)."""
    play = getattr(app, "play", None)
    return int(play.snapshot.epoch) if play is not None and play.snapshot is not None else 0


def remember_saved(app: Any, cfg: SceneConfig, path: Path, epoch: int) -> None:
    """Record a saved session for the picker's "back to" rows (the newest per scene)."""
    app.saved_sessions = [s for s in app.saved_sessions if s[0].name != cfg.name]
    app.saved_sessions.append((cfg, Path(path), int(epoch)))


class PickerView(Scene):
    """Overlay listing saved sessions and the bundled scenes; choosing one switches to it
    (asking first, and saving the session being left, when it has been trained)."""

    opaque = False

    def __init__(self, app, scenes_dir: Path | None = None) -> None:  # noqa: ANN001
        super().__init__(app)
        current = app.scene_cfg
        back = [PickerEntry(Path(cfg.source).stem, cfg, checkpoint=path, epoch=epoch)
                for cfg, path, epoch in getattr(app, "saved_sessions", ())
                if not _same_scene(cfg, current) and cfg.name != current.name]
        scenes = bundled_scenes(scenes_dir)
        for entry in scenes:
            entry.current = entry.cfg is not None and (
                _same_scene(entry.cfg, current) or Path(current.source).stem == entry.stem
                and entry.cfg.name == current.name)
        self.entries = back[::-1] + scenes
        ok = [i for i, e in enumerate(self.entries) if e.available]
        now = [i for i, e in enumerate(self.entries) if e.current]
        self.selected = now[0] if now else (ok[0] if ok else 0)
        self.rows: list[pygame.Rect] = []
        self.box = pygame.Rect(0, 0, 0, 0)
        self.scroll = 0
        self._layout(app.screen.get_size())

    # geometry ---------------------------------------------------------------------------
    def _layout(self, size: tuple[int, int]) -> None:
        w, h = size
        box_w = min(w - px(24), px(720))
        text_w = box_w - px(20) - px(28)
        heights = []
        for entry in self.entries:
            entry.lines = (wrap_text(entry.detail, 20, text_w)
                           if entry.error or entry.problem else [entry.detail])
            extra = max(0, len(entry.lines) - 1) * px(LINE_H)
            heights.append(px(ROW_H) + extra)
        head = px(60)
        total = head + sum(heights) + px(10)
        box_h = min(total, h - px(16))
        x = (w - box_w) // 2
        top = max(px(8), (h - box_h) // 2)
        self.box = pygame.Rect(x, top, box_w, box_h)
        # keep the selected row in view when the list is taller than the window
        y0 = [sum(heights[:i]) for i in range(len(heights))]
        view_h = box_h - head - px(10)
        if self.entries:
            sel_top, sel_bottom = y0[self.selected], y0[self.selected] + heights[self.selected]
            self.scroll = min(max(self.scroll, sel_bottom - view_h), sel_top)
        self.scroll = max(0, min(self.scroll, max(0, sum(heights) - view_h)))
        self.rows = [pygame.Rect(x + px(10), top + head + y0[i] - self.scroll, box_w - px(20),
                                 heights[i] - px(6)) for i in range(len(self.entries))]

    def _visible(self, i: int) -> bool:
        r = self.rows[i]
        return r.top >= self.box.top + px(50) and r.bottom <= self.box.bottom

    # choosing ---------------------------------------------------------------------------
    def _move(self, step: int) -> None:
        n = len(self.entries)
        for k in range(1, n + 1):
            i = (self.selected + step * k) % n
            if self.entries[i].available:
                self.selected = i
                return

    def choose(self, i: int) -> bool:
        """Switch to row ``i`` (asking first when a trained session would be left); False
        (and nothing happens) if that row cannot be chosen."""
        entry = self.entries[i] if 0 <= i < len(self.entries) else None
        if entry is None or not entry.available or entry.cfg is None:
            return False
        self.selected = i
        if entry.current:  # already here: nothing to switch
            self.app.pop()
            return True
        leave_session(self.app, entry.cfg, entry.checkpoint, entry.title)
        return True

    def handle(self, event: InputEvent) -> bool:
        if isinstance(event, Key):
            if event.key in (pygame.K_ESCAPE, pygame.K_p):
                self.app.pop()
            elif event.key == pygame.K_UP:
                self._move(-1)
            elif event.key == pygame.K_DOWN:
                self._move(1)
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.choose(self.selected)
            return True  # swallow other keys while open
        if isinstance(event, Wheel):
            self.scroll = max(0, self.scroll - int(event.dy * px(40)))
            return True
        if isinstance(event, PointerDown):
            self._layout(self.app.screen.get_size())
            hit = [i for i, r in enumerate(self.rows)
                   if r.collidepoint(event.pos) and self._visible(i)]
            if hit:
                self.choose(hit[0])  # an unavailable row only shows why
            elif not self.box.collidepoint(event.pos):
                self.app.pop()
            return True
        return False

    # drawing ----------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        self._layout((w, h))
        shade = pygame.Surface((w, h), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 150))
        surface.blit(shade, (0, 0))
        box = self.box
        pygame.draw.rect(surface, (250, 250, 247), box, border_radius=px(10))
        surface.blit(font(34).render("Choose a scene", True, (20, 20, 25)),
                     (box.x + px(20), box.y + px(16)))
        clip = surface.get_clip()
        surface.set_clip(pygame.Rect(box.x, box.y + px(56), box.w, box.h - px(60)))
        for i, (entry, row) in enumerate(zip(self.entries, self.rows, strict=True)):
            if row.bottom < box.top or row.top > box.bottom:
                continue
            ok = entry.available
            if i == self.selected and ok:
                pygame.draw.rect(surface, SELECTED, row, border_radius=px(8))
            pygame.draw.rect(surface, (200, 200, 195), row, 1, border_radius=px(8))
            if entry.current:
                pygame.draw.rect(surface, CURRENT, (row.x, row.y, px(6), row.h),
                                 border_radius=px(3))
            ink = (20, 20, 25) if ok else (150, 150, 150)
            text(surface, entry.title, (row.x + px(14), row.y + px(6)), 28, ink)
            sub_ink = (110, 110, 110) if ok else PROBLEM_INK
            for k, line in enumerate(entry.lines):
                text(surface, line, (row.x + px(14), row.y + px(34) + k * px(LINE_H)), 20,
                     sub_ink)
        surface.set_clip(clip)


# leaving a session --------------------------------------------------------------------------

def leave_session(app: Any, cfg: SceneConfig, checkpoint: Path | None, title: str) -> None:
    """Switch to ``cfg`` (from ``checkpoint``); a trained session (epoch > 0 or edits on
    screen) is left only after a confirmation, and saved first unless the person declines."""
    epoch, edits = session_epoch(app), pending_edits(app)
    progress = app.session.progress()
    running = progress.state in (TrainerState.TRAINING, TrainerState.PAUSED)
    if epoch == 0 and edits == 0 and not running:
        app.switch_scene(cfg, checkpoint)
        return
    name = app.scene_cfg.name
    if running:
        message = (f"Your {name} session (training epoch {progress.epoch}) will finish its "
                   f"round and be saved as a checkpoint in {app.log_dir}; \"back to {name}\" "
                   f"in this list restores it.")
    else:
        message = (f"Your {name} session (epoch {epoch}) will be saved as a checkpoint in "
                   f"{app.log_dir}; \"back to {name} (epoch {epoch})\" in this list restores "
                   f"it.")
    if edits:  # they were never trained on, so the model does not hold them
        message += (f" Its {edits} edit(s) not trained on yet are not part of it (they stay "
                    f"in the session log).")
    app.log.write("leave_requested", scene=name, new=cfg.name, epoch=epoch,
                  pending_edits=edits)

    def save() -> None:
        app.push(SavingView(app, cfg, checkpoint))

    def discard() -> None:
        app.log.write("session_discarded", scene=name, epoch=epoch, pending_edits=edits)
        app.switch_scene(cfg, checkpoint)

    app.push(ConfirmView(app, f"Leave {name} for {title}?", message, [
        Choice("Save & switch", save, (pygame.K_y,), "y / enter"),
        Choice("Don't save", discard, (pygame.K_d,), "d"),
        Choice("Cancel", lambda: app.log.write("leave_cancelled", scene=name), (pygame.K_n,),
               "n / esc"),
    ], kind="leave"))


def checkpoint_path(app: Any, epoch: int) -> Path:
    """Where the session being left is saved: the session's log folder."""
    stem = Path(app.scene_cfg.source).stem if app.scene_cfg.source[:1] != "<" else "scene"
    return Path(app.log_dir) / f"{stem}-epoch_{epoch:03d}.pt"


class SavingView(Scene):
    """Saves the current session through the trainer's SAVE command (after a running round
    finishes), then switches scenes. Shown over the play view; it takes all input."""

    opaque = False

    def __init__(self, app: Any, cfg: SceneConfig, checkpoint: Path | None) -> None:
        super().__init__(app)
        self.cfg, self.checkpoint = cfg, checkpoint
        self.path: Path | None = None
        self.epoch = 0
        self.started = time.monotonic()
        self.failed = False

    def update(self, dt: float) -> None:
        if self.failed or self not in self.app.stack:
            return
        session = self.app.session
        state = session.progress().state
        if self.path is None:
            if not session.worker.is_alive():
                self._fail(f"the trainer has stopped ({state.value})")
            elif state == TrainerState.PAUSED:  # the round finishes before the trainer saves
                session.send(Command(CommandKind.RESUME))
            elif state in (TrainerState.IDLE, TrainerState.ERROR):  # ERROR: a failed round
                snap = session.latest()
                self.epoch = int(snap.epoch) if snap is not None else session_epoch(self.app)
                self.path = checkpoint_path(self.app, self.epoch)
                self.path.unlink(missing_ok=True)
                session.send(Command(CommandKind.SAVE, self.path))
                self.started = time.monotonic()
            return
        if self.path.exists():
            old = self.app.scene_cfg
            self.app.log.write("session_saved", scene=old.name, epoch=self.epoch,
                               path=self.path)
            remember_saved(self.app, old, self.path, self.epoch)
            self.app.switch_scene(self.cfg, self.checkpoint)
        elif time.monotonic() - self.started > SAVE_TIMEOUT_S or not session.worker.is_alive():
            self._fail(f"no checkpoint appeared at {self.path}")

    def _fail(self, why: str) -> None:
        self.failed = True
        app = self.app
        if self in app.stack:
            app.stack.remove(self)
        app.log.write("session_save_failed", scene=app.scene_cfg.name, reason=why)
        app.push(ConfirmView(app, "Could not save the session", f"{why}.", [
            Choice("Switch anyway", lambda: app.switch_scene(self.cfg, self.checkpoint),
                   (pygame.K_y,), "y"),
            Choice("Stay", lambda: None, (pygame.K_n,), "n / esc"),
        ], kind="leave"))

    def handle(self, event: InputEvent) -> bool:
        """Esc gives up waiting for a round to finish (nothing is switched); otherwise all
        input waits for the save."""
        if isinstance(event, Key) and event.key == pygame.K_ESCAPE and self.path is None:
            self.failed = True
            if self in self.app.stack:
                self.app.stack.remove(self)
            self.app.log.write("leave_cancelled", scene=self.app.scene_cfg.name)
        return True

    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        msg = (f"Saving {self.app.scene_cfg.name} (epoch {self.epoch})..." if self.path
               else f"Finishing the round, then saving {self.app.scene_cfg.name}...")
        img = font(28).render(msg, True, INK)
        box = img.get_rect(center=(w // 2, h // 2)).inflate(px(40), px(60))
        pygame.draw.rect(surface, BACKGROUND, box, border_radius=px(10))
        pygame.draw.rect(surface, CURRENT, box, 2, border_radius=px(10))
        surface.blit(img, img.get_rect(center=(box.centerx, box.centery - px(10))))
        if self.path is None:
            hint = font(20).render("esc: cancel", True, (90, 90, 95))
            surface.blit(hint, hint.get_rect(center=(box.centerx, box.bottom - px(16))))
