"""The control panel section: train/pause, settings widgets, metrics, chart, live status.

The panel is rendered off-screen and re-rendered only when what it shows changes (metrics and
chart at most PANEL_FPS times a second); the live status (progress bar, edit counter) is drawn
over it whenever it changes, restoring just its rectangles.
"""

from __future__ import annotations

import time

import pygame

from hill_arcade.input import InputEvent, Key, PointerDown, PointerMove, PointerUp
from hill_arcade.render.palette import BACKGROUND, PANEL
from hill_arcade.render.scale import px, scaled_rect
from hill_arcade.session import LR_RANGE
from hill_arcade.shared import Progress, TrainerState
from hill_arcade.views.section import Section
from hill_arcade.widgets.base import Button, Slider, Stepper, Widget, text
from hill_arcade.widgets.status import draw_chart, draw_metrics, draw_progress

LEFT_W = 260
PANEL_FPS = 5  # metrics and chart re-render at most this often
LIVE_FPS = 30  # the progress bar's batch counter redraws at most this often
ALPHA_STEP = 0.05
LR_FACTOR = 2.0  # the learning-rate stepper and [ ] halve / double it


class ControlPanel(Section):
    """Left edge: buttons, steppers and sliders for the session's settings, then metrics."""

    def __init__(self, view) -> None:  # noqa: ANN001
        super().__init__(view)
        self.widgets: list[Widget] = []
        self._held: dict[tuple[bool, int], Widget] = {}  # pointer -> widget it pressed
        self._image: tuple[tuple, int, pygame.Surface] | None = None  # key, version, image
        self._image_at = 0.0  # monotonic time the panel was last rendered
        self._live_drawn: tuple | None = None
        self._live_at = 0.0  # monotonic time the live status was last drawn
        self.build()

    @property
    def rect(self) -> pygame.Rect:
        return pygame.Rect(0, 0, px(LEFT_W), self.app.screen.get_height())

    def build(self) -> None:
        """Create the widgets (subclasses lay out their own)."""
        view = self.view
        x, w = 14, LEFT_W - 28
        self.train_button = Button(scaled_rect(x, 44, w, 56), "Train next round",
                                   view.train_round, "enter", view.can_train)
        self.pause_button = Button(scaled_rect(x, 108, w, 44), self._pause_label,
                                   view.toggle_pause, "space", self._can_pause)
        self.stepper = Stepper(scaled_rect(x, 162, w, 30), "epochs/round",
                               lambda: self.app.mode.round_epochs(view.epochs_per_round),
                               view.set_epochs, 1, 200,
                               enabled=lambda: "epochs_per_round" not in view.settings.locked)
        self.lr_stepper = Stepper(scaled_rect(x, 198, w, 30), "learning rate", lambda: view.lr,
                                  view.set_lr, LR_RANGE[0], LR_RANGE[1],
                                  step=lambda v, d: v * LR_FACTOR ** d, fmt=lambda v: f"{v:.1e}",
                                  value_w=78)
        self.alpha_slider = Slider(scaled_rect(x, 236, w, 40), "alpha", lambda: view.alpha,
                                   view.set_alpha, 0.0, 1.0, in_force=view.alpha_in_force)
        held = self.app.scene_cfg.hill.loss != "paper"  # `balanced` does not learn `scale`
        self.lam_slider = Slider(scaled_rect(x, 282, w, 40),
                                 "lambda (scale held)" if held else "lambda", lambda: view.lam,
                                 view.set_lam, 0.0, 2.0)
        half = (w - 8) // 2
        self.before_button = Button(scaled_rect(x, 672, half, 34), self._before_label,
                                    lambda: view.toggle("before"), "d",
                                    lambda: view.before is not None)
        self.val_button = Button(scaled_rect(x + half + 8, 672, half, 34), self._val_label,
                                 lambda: view.toggle("val"), "v", lambda: view.val is not None)
        self.widgets = [self.train_button, self.pause_button, self.stepper, self.lr_stepper,
                        self.alpha_slider, self.lam_slider, self.before_button, self.val_button]

    def _before_label(self) -> str:
        return "now" if self.view.show_before else "before/after"

    def _val_label(self) -> str:
        return "train pts" if self.view.show_val else "val pts"

    def _can_pause(self) -> bool:
        return self.app.session.progress().state in (TrainerState.TRAINING, TrainerState.PAUSED)

    def _pause_label(self) -> str:
        return "Resume" if self.app.session.progress().state == TrainerState.PAUSED else "Pause"

    # input ------------------------------------------------------------------------------
    def handle(self, event: InputEvent) -> bool:
        if isinstance(event, Key):
            return self._key(event)
        key = (event.touch, event.pid) if hasattr(event, "pid") else None
        if isinstance(event, PointerDown):
            for w in self.widgets:
                if w.pointer_down(event.pos):
                    self._held[key] = w
                    break
            return True  # the panel swallows presses between its widgets
        if isinstance(event, PointerMove) and key in self._held:
            self._held[key].pointer_move(event.pos)
            return True
        if isinstance(event, PointerUp) and key in self._held:
            self._held.pop(key).pointer_up(event.pos)
            self.view.commit_settings()  # one settings event per finished change
            return True
        return False

    @property
    def busy(self) -> bool:
        """True while a pointer holds one of the widgets."""
        return bool(self._held)

    def _key(self, ev: Key) -> bool:
        view = self.view
        if ev.mod & (pygame.KMOD_CTRL | pygame.KMOD_META):
            return False
        k = ev.key
        if k in (pygame.K_RETURN, pygame.K_KP_ENTER):
            view.train_round()
        elif k == pygame.K_SPACE:
            view.toggle_pause()
        elif k in (pygame.K_PLUS, pygame.K_KP_PLUS, pygame.K_EQUALS) or ev.unicode == "+":
            view.set_alpha(view.alpha + ALPHA_STEP)
        elif k in (pygame.K_MINUS, pygame.K_KP_MINUS) or ev.unicode == "-":
            view.set_alpha(view.alpha - ALPHA_STEP)
        elif k == pygame.K_RIGHTBRACKET or ev.unicode == "]":
            view.set_lr(view.lr * LR_FACTOR)
        elif k == pygame.K_LEFTBRACKET or ev.unicode == "[":
            view.set_lr(view.lr / LR_FACTOR)
        else:
            return False
        view.commit_settings()
        return True

    # drawing ----------------------------------------------------------------------------
    def key(self, progress: Progress) -> tuple:
        """Everything the panel shows: it is re-rendered only when this changes."""
        snapshot = self.view.snapshot
        widgets = tuple(
            (getattr(w, "pressed", None), getattr(w, "dragging", None),
             w.enabled() if callable(getattr(w, "enabled", None)) else None,
             w.label() if callable(getattr(w, "label", None)) else getattr(w, "label", None),
             w.get() if callable(getattr(w, "get", None)) else None)
            for w in self.widgets)
        # metrics and chart follow new snapshots at most PANEL_FPS times a second: on small
        # data an epoch takes tens of ms, and numbers changing faster cannot be read anyway
        version = snapshot.version
        if (self._image is not None and version != self._image[1]
                and time.monotonic() - self._image_at < 1.0 / PANEL_FPS):
            version = self._image[1]
        return (progress.state, progress.device, version, tuple(self.view.round_starts),
                widgets, self.extra_key())

    def extra_key(self) -> tuple:
        """More of what the panel shows (subclasses and later features add to it)."""
        return (self.view.verdict(), self.view.alpha_in_force())

    def live_key(self, progress: Progress) -> tuple:
        """What `draw_live` shows, with the batch counter quantised in time: it ticks every
        few ms on small data, and the bar moving LIVE_FPS times a second looks the same
        while leaving the GIL to the trainer."""
        edits = self.view.edits
        batch = progress.batch
        if (self._live_drawn is not None and batch != self._live_drawn[2]
                and time.monotonic() - self._live_at < 1.0 / LIVE_FPS):
            batch = self._live_drawn[2]
        return (progress.state, progress.epoch, batch, progress.batches_per_epoch,
                edits.undo_depth, self.view.edit_count, len(self.view.selection))

    def draw(self, surface: pygame.Surface, repaint: bool) -> None:
        progress = self.app.session.progress()
        h = self.rect.h
        key = (h, self.key(progress))
        live = self.live_key(progress)
        if self._image is None or self._image[0] != key:
            image = pygame.Surface((px(LEFT_W), h))
            image.fill(BACKGROUND)
            self.render(image, progress)
            self._image = (key, self.view.snapshot.version, image)
            self._image_at = time.monotonic()
            repaint = True
        if repaint:
            self._live_at = time.monotonic()
            surface.blit(self._image[2], (0, 0))
            self.draw_live(surface, progress)
            self.app.damage(self.rect)
        elif live != self._live_drawn:  # restore the panel under the live status, redraw it
            self._live_at = time.monotonic()
            rects = self.live_rects()
            for rect in rects:
                surface.blit(self._image[2], rect, rect)
            self.draw_live(surface, progress)
            for rect in rects:
                self.app.damage(rect)
        self._live_drawn = live

    def render_frame(self, surface: pygame.Surface) -> int:
        """Panel background, title and widgets (shared with the kiosk panel); returns height."""
        h = surface.get_height()
        pygame.draw.rect(surface, PANEL, (0, 0, px(LEFT_W), h))
        text(surface, "HILL arcade", (px(14), px(12)), 30)
        for w in self.widgets:
            w.draw(surface)
        return h

    def render(self, surface: pygame.Surface, progress: Progress) -> None:
        """The cached part: frame, widgets, metrics, accuracy chart, footer."""
        h = self.render_frame(surface)
        snapshot = self.view.snapshot
        draw_metrics(surface, scaled_rect(14, 330, LEFT_W - 28, 124), snapshot.metrics,
                     progress.device)
        accs = [m.get("val_acc", 0.0) or 0.0 for m in snapshot.history]
        ghost = [m.get("baseline_val_acc") for m in snapshot.history]
        draw_chart(surface, scaled_rect(14, 488, LEFT_W - 28, 120), accs, self.view.round_starts,
                   ghost)
        verdict = self.view.verdict()
        if verdict is not None:
            first, second, colour = verdict
            text(surface, first, (px(14), px(714)), 20, colour)
            text(surface, second, (px(14), px(736)), 16, (90, 90, 95))
        footer = ("h: help" if getattr(self.app.mode, "quit_needs_chord", False)
                  else "h: help   esc: quit")  # a study ends by the experimenter's chord
        text(surface, footer, (px(14), h - px(24)), 18, (90, 90, 95))

    def live_rects(self) -> list[pygame.Rect]:
        """Where `draw_live` draws (over the cached panel)."""
        return [self.progress_rect().inflate(px(8), px(8)), scaled_rect(0, 614, LEFT_W, 48)]

    def progress_rect(self) -> pygame.Rect:
        return scaled_rect(14, 462, LEFT_W - 28, 18)

    def draw_live(self, surface: pygame.Surface, progress: Progress) -> None:
        """Progress bar, edit count and selection, drawn over the cached panel whenever they
        change (with every batch or edit; the rest of the panel changes rarely)."""
        edits = self.view.edits
        frac = progress.batch / progress.batches_per_epoch if progress.batches_per_epoch else 0.0
        label = f"{progress.state.value} - epoch {progress.epoch}"
        if progress.batches_per_epoch:
            label += f" - batch {progress.batch}/{progress.batches_per_epoch}"
        draw_progress(surface, self.progress_rect(), frac, label)
        status = f"edits: {self.view.edit_count}" + ("  (modified)" if edits.edited else "")
        text(surface, status, (px(14), px(618)), 19)
        if len(self.view.selection):
            text(surface, f"selected: {len(self.view.selection)} points", (px(14), px(638)),
                 19)
