"""The play view's drawing: scatter, crosses, control panel and legend, each redrawn only
when what it shows has changed (see ``App._draw``)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pygame

from hill_arcade.edits import class_means
from hill_arcade.render.palette import BACKGROUND, INK, PANEL
from hill_arcade.render.scale import px, scaled_rect
from hill_arcade.shared import TrainerState
from hill_arcade.widgets.base import text
from hill_arcade.widgets.status import draw_banner, draw_chart, draw_metrics, draw_progress

LEFT_W = 260
LEGEND_W = 180
TWEEN_S = 0.3
PANEL_FPS = 5  # metrics and chart re-render at most this often
LIVE_FPS = 30  # the progress bar's batch counter redraws at most this often
TWEEN_FPS = 30  # a tween re-renders the scatter at most this often (frames in between reuse it)


class PlayDrawing:
    """Drawing of :class:`~hill_arcade.views.play.PlayView` (a part of it: it reads the view's
    snapshot, edits, camera and widgets)."""

    retained = True  # redraws only the regions whose content changed (see App._draw)

    def draw(self, surface: pygame.Surface) -> None:
        assert self.edits is not None and self.snapshot is not None
        repaint = self.app.repaint_all
        vr = self.view_rect
        w, h = surface.get_size()
        if repaint and (vr.x, vr.y, vr.right, vr.h) != (px(LEFT_W), 0, w - px(LEGEND_W), h):
            surface.fill(BACKGROUND)  # the panels and the scatter don't cover the window
        progress = self.app.buffer.progress()
        self._draw_scatter(surface, progress, repaint)
        self._blit_cached_panels(surface, progress, repaint)

    def _draw_scatter(self, surface: pygame.Surface, progress, repaint: bool) -> None:  # noqa: ANN001
        """Points, crosses, lasso, banner and extras; skipped when none of it changed."""
        assert self.edits is not None and self.snapshot is not None
        vr = self.view_rect
        tweening = self.tween_t < 1.0
        # quantised tween time: the scatter is re-rendered at most TWEEN_FPS times a second,
        # starting one step in (step 0 would redraw the old layout)
        steps = round(TWEEN_S * TWEEN_FPS)
        t = min(1.0, (np.floor(self.tween_t * steps) + 1) / steps) if tweening else 1.0
        pos = self._positions_at(t)
        active = {d.target[0] for d in self.drags.values() if d.kind == "class"}
        active |= {d.target.cls for d in self.drags.values() if d.kind == "scale"}
        lassos = tuple(tuple(d.path) for d in self.drags.values()
                       if d.kind == "lasso" and len(d.path) > 1)
        banner = (f"Training error: {progress.error or progress.message} - press enter to retry"
                  if progress.state == TrainerState.ERROR else None)
        extras = self._scatter_extras()
        selection = self.selection.tobytes()
        inputs = (self.snapshot.version, self.edits.version, t, self.camera.version, tuple(vr),
                  selection, frozenset(active), lassos, banner, extras)
        if not repaint and inputs == self._scatter_inputs:
            return
        self._scatter_inputs = inputs
        # what would show, in whole pixels: late tween steps often move nothing visibly
        screen = np.round(self.camera.world_to_screen(pos))
        crosses = self.cross_positions() if t >= 1.0 else np.round(
            self.camera.world_to_screen(class_means(pos, self.edits.labels, self.num_classes))
        ).astype(np.int64)
        key = (screen.tobytes(), self.wrong.tobytes(), self.edits.labels.tobytes(), selection)
        drawn = (key, crosses.tobytes(), *inputs[4:])
        if not repaint and drawn == self._scatter_drawn:
            return
        # the view holds only the last layer draw unless overlays were drawn on it since
        clean = not repaint and self._scatter_drawn is not None and not self._scatter_overlaid
        overlaid = bool(lassos) or banner is not None or extras is not None
        self._scatter_drawn, self._scatter_overlaid = drawn, overlaid
        self.layer.draw(surface, vr, screen, self.edits.labels, self.wrong, key,
                        self.selection, crosses, frozenset(active), clean)
        if overlaid:
            prev_clip = surface.get_clip()
            surface.set_clip(vr)
            for path in lassos:
                pygame.draw.lines(surface, INK, True, path, 1)
            if banner is not None:
                draw_banner(surface, pygame.Rect(vr.x, vr.y, vr.w, px(40)), banner)
            self._draw_scatter_extras(surface)
            surface.set_clip(prev_clip)
        self.app.damage(vr)

    def _scatter_extras(self) -> Any:
        """Key of what subclasses draw over the scatter (a change redraws the scatter)."""
        return None

    def _draw_scatter_extras(self, surface: pygame.Surface) -> None:
        """Subclasses draw over the scatter here (clipped to the view)."""

    def _panel_key(self, progress) -> tuple:  # noqa: ANN001
        """Everything the control panel shows: it is re-rendered only when this changes."""
        assert self.snapshot is not None and self.edits is not None
        widgets = tuple(
            (getattr(w, "pressed", None), getattr(w, "dragging", None),
             w.enabled() if callable(getattr(w, "enabled", None)) else None,
             w.label() if callable(getattr(w, "label", None)) else getattr(w, "label", None),
             w.get() if callable(getattr(w, "get", None)) else None)
            for w in self.widgets)
        # metrics and chart follow new snapshots at most PANEL_FPS times a second: on small
        # data an epoch takes tens of ms, and numbers changing faster cannot be read anyway
        version = self.snapshot.version
        if (self._panel is not None and version != self._panel[1]
                and time.monotonic() - self._panel_at < 1.0 / PANEL_FPS):
            version = self._panel[1]
        return (progress.state, progress.device, version, tuple(self.round_starts), widgets)

    def _live_key(self, progress) -> tuple:  # noqa: ANN001
        """What `_draw_live_status` shows, with the batch counter quantised in time: it ticks
        every few ms on small data, and the bar moving LIVE_FPS times a second looks the same
        while leaving the GIL to the trainer."""
        assert self.edits is not None
        batch = progress.batch
        if (self._live_drawn is not None and batch != self._live_drawn[2]
                and time.monotonic() - self._live_at < 1.0 / LIVE_FPS):
            batch = self._live_drawn[2]
        return (progress.state, progress.epoch, batch, progress.batches_per_epoch,
                self.edits.undo_depth, self.edits.edited, len(self.selection))

    def _blit_cached_panels(self, surface: pygame.Surface, progress, repaint: bool) -> None:  # noqa: ANN001
        """Control panel and legend from off-screen surfaces, re-rendered on change only;
        the live status is drawn over the panel whenever it changes."""
        w, h = surface.get_size()
        key = (h, self._panel_key(progress))
        live = self._live_key(progress)
        if self._panel is None or self._panel[0] != key:
            panel = pygame.Surface((px(LEFT_W), h))
            panel.fill(BACKGROUND)
            self._draw_panel(panel, progress)
            self._panel = (key, self.snapshot.version, panel)
            self._panel_at = time.monotonic()
            repaint_panel = True
        else:
            repaint_panel = repaint
        if repaint_panel:
            self._live_at = time.monotonic()
            surface.blit(self._panel[2], (0, 0))
            self._draw_live_status(surface, progress)
            self.app.damage(pygame.Rect(0, 0, px(LEFT_W), h))
        elif live != self._live_drawn:  # restore the panel under the live status, redraw it
            self._live_at = time.monotonic()
            rects = self._live_rects()
            for rect in rects:
                surface.blit(self._panel[2], rect, rect)
            self._draw_live_status(surface, progress)
            for rect in rects:
                self.app.damage(rect)
        self._live_drawn = live
        assert self.edits is not None
        # the legend key holds the labels array itself (compared with ``is``): ids are reused
        key = (h, self.class_names)
        labels = self.edits.labels
        if self._legend is None or self._legend[0] != key or self._legend[1] is not labels:
            legend = pygame.Surface((px(LEGEND_W), h))
            legend.fill(BACKGROUND)
            self._draw_legend(legend)
            self._legend = (key, labels, legend)
            repaint = True
        if repaint:
            surface.blit(self._legend[2], (w - px(LEGEND_W), 0))
            self.app.damage(pygame.Rect(w - px(LEGEND_W), 0, px(LEGEND_W), h))

    def _draw_panel_frame(self, surface: pygame.Surface) -> int:
        """Panel background, title and widgets (shared with the kiosk panel); returns height."""
        h = surface.get_height()
        pygame.draw.rect(surface, PANEL, (0, 0, px(LEFT_W), h))
        text(surface, "HILL arcade", (px(14), px(12)), 30)
        for w in self.widgets:
            w.draw(surface)
        return h

    def _draw_panel(self, surface: pygame.Surface, progress) -> None:  # noqa: ANN001
        h = self._draw_panel_frame(surface)
        assert self.snapshot is not None and self.edits is not None
        draw_metrics(surface, scaled_rect(14, 330, LEFT_W - 28, 124), self.snapshot.metrics,
                     progress.device)
        accs = [m.get("val_acc", 0.0) or 0.0 for m in self.snapshot.history]
        draw_chart(surface, scaled_rect(14, 488, LEFT_W - 28, 120), accs, self.round_starts)
        text(surface, "h: help   esc: quit", (px(14), h - px(24)), 18, (90, 90, 95))

    def _live_rects(self) -> list[pygame.Rect]:
        """Where `_draw_live_status` draws (over the cached panel)."""
        return [self._progress_rect().inflate(px(8), px(8)), scaled_rect(0, 614, LEFT_W, 48)]

    def _progress_rect(self) -> pygame.Rect:
        return scaled_rect(14, 462, LEFT_W - 28, 18)

    def _draw_live_status(self, surface: pygame.Surface, progress) -> None:  # noqa: ANN001
        """Progress bar, edit count and selection, drawn over the cached panel whenever they
        change (with every batch or edit; the rest of the panel changes rarely)."""
        assert self.edits is not None
        frac = progress.batch / progress.batches_per_epoch if progress.batches_per_epoch else 0.0
        label = f"{progress.state.value} - epoch {progress.epoch}"
        if progress.batches_per_epoch:
            label += f" - batch {progress.batch}/{progress.batches_per_epoch}"
        draw_progress(surface, self._progress_rect(), frac, label)
        n_undo = self.edits.undo_depth
        status = f"edits: {n_undo}" + ("  (modified)" if self.edits.edited else "")
        text(surface, status, (px(14), px(618)), 19)
        if len(self.selection):
            text(surface, f"selected: {len(self.selection)} points", (px(14), px(638)), 19)

    def _draw_legend(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        x0 = w - px(LEGEND_W)
        pygame.draw.rect(surface, PANEL, (x0, 0, px(LEGEND_W), h))
        text(surface, "classes", (x0 + px(12), px(12)), 24)
        assert self.edits is not None
        counts = np.bincount(self.edits.labels, minlength=self.num_classes)
        for c, name in enumerate(self.class_names):
            y = px(42 + c * 24)
            if y > h - px(24):
                break
            sprite = self.layer.sprite(c)
            surface.blit(sprite, (x0 + px(12), y + px(2)))
            text(surface, f"{name[:14]} ({counts[c]})", (x0 + px(30), y), 19)
