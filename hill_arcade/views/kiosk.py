"""Kiosk views: a simplified play panel with big touch targets, and the attract overlay."""

from __future__ import annotations

import time

import pygame

from hill_arcade.render.palette import INK
from hill_arcade.render.scale import px
from hill_arcade.scene import Scene
from hill_arcade.shared import Progress, Snapshot, TrainerState
from hill_arcade.views.panel import LEFT_W, ControlPanel
from hill_arcade.views.play import PlayView
from hill_arcade.widgets.base import Button, Slider, rendered, text
from hill_arcade.widgets.status import draw_progress

MIN_TOUCH_PX = 48  # smallest touch target at 1080 px screen height
HINTS = ("drag a cross to move a class", "drag a dot to move one point",
         "two fingers: move two classes", "then press Train")
OVERLAY_BOX = (255, 255, 255)
NOTE_BG = (60, 110, 170)


def touch_px(surface_height: int) -> int:
    """The touch target size for this screen: >= 48 px, scaled up on high-resolution screens."""
    return max(MIN_TOUCH_PX, round(MIN_TOUCH_PX * surface_height / 1080))


class BigSlider(Slider):
    """A slider with a finger-sized knob."""

    def draw(self, surface: pygame.Surface) -> None:
        text(surface, f"{self.label}: {self.get():.2f}", (self.rect.x, self.rect.y), 24)
        track = pygame.Rect(self.rect.x + 6, self.rect.bottom - self.rect.h // 3,
                            self.rect.w - 12, 8)
        pygame.draw.rect(surface, (180, 180, 175), track, border_radius=4)
        t = (self.get() - self.lo) / max(1e-9, self.hi - self.lo)
        knob = (int(track.x + t * track.w), track.centery)
        pygame.draw.circle(surface, (60, 110, 170), knob, max(12, self.rect.h // 4))


class KioskPanel(ControlPanel):
    """One big Train button, one big α slider, large accuracy, a simple progress bar, hints."""

    def build(self) -> None:
        view = self.view
        size = max(touch_px(self.app.screen.get_height()), 72)
        x, w = px(14), px(LEFT_W - 28)
        self.train_button = Button(pygame.Rect(x, 56, w, size), "Train", view.train_round,
                                   enabled=view.can_train)
        self.alpha_slider = BigSlider(pygame.Rect(x, 56 + size + 24, w, size),
                                      "you vs. data", lambda: view.alpha, view.set_alpha)
        self.widgets = [self.train_button, self.alpha_slider]

    def render(self, surface: pygame.Surface, progress: Progress) -> None:
        h = self.render_frame(surface)
        y = self.alpha_slider.rect.bottom + px(24)
        snapshot = self.view.snapshot
        acc = snapshot.metrics.get("val_acc") if snapshot is not None else None
        text(surface, "accuracy", (px(14), y), 24)
        text(surface, "--" if acc is None else f"{acc:.0%}", (px(14), y + px(26)), 72)
        y += px(150)  # the progress bar goes in between (`draw_live`)
        for line in HINTS:
            if y > h - px(30):
                break
            text(surface, line, (px(14), y), 20, INK)
            y += px(28)

    def progress_rect(self) -> pygame.Rect:
        return pygame.Rect(px(14), self.alpha_slider.rect.bottom + px(134), px(LEFT_W - 28),
                           px(18))

    def live_rects(self) -> list[pygame.Rect]:
        return [self.progress_rect().inflate(8, 8)]

    def draw_live(self, surface: pygame.Surface, progress: Progress) -> None:
        """Only a simple progress bar: no edit counter or batch numbers for visitors."""
        training = progress.state in (TrainerState.TRAINING, TrainerState.PAUSED)
        frac = progress.batch / progress.batches_per_epoch if progress.batches_per_epoch else 0.0
        draw_progress(surface, self.progress_rect(), frac if training else 0.0,
                      "training..." if training else "ready")


class KioskPlayView(PlayView):
    """PlayView with the kiosk panel and brief notes over the scatter."""

    panel_class = KioskPanel

    def __init__(self, app, snapshot: Snapshot) -> None:  # noqa: ANN001
        self.note: tuple[str, float] | None = None  # (message, shown until: monotonic s)
        super().__init__(app, snapshot)

    def show_note(self, message: str, seconds: float = 4.0) -> None:
        """A brief, non-modal note at the top of the scatter."""
        self.note = (message, time.monotonic() + seconds)

    def scatter_extras(self) -> str | None:
        """The note while it shows (its expiry redraws the scatter without it)."""
        if self.note is not None and time.monotonic() > self.note[1]:
            self.note = None
        return None if self.note is None else self.note[0]

    def draw_scatter_extras(self, surface: pygame.Surface) -> None:
        if self.note is not None:
            vr = self.view_rect
            pygame.draw.rect(surface, NOTE_BG, (vr.x, vr.y, vr.w, px(40)))
            text(surface, self.note[0][:100], (vr.x + px(12), vr.y + px(8)), 22, (255, 255, 255))



class AttractOverlay(Scene):
    """The "touch to play" overlay drawn over the attract demo."""

    opaque = False

    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        shade = pygame.Surface((w, h), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 70))
        surface.blit(shade, (0, 0))
        box = pygame.Rect(0, 0, min(w - px(40), px(520)), px(140))
        box.center = (w // 2, h // 2)
        pygame.draw.rect(surface, OVERLAY_BOX, box, border_radius=px(18))
        img = rendered("touch to play", 72, INK)
        surface.blit(img, img.get_rect(center=box.center))
