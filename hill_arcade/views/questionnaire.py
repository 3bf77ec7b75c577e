"""Questionnaire pages: one page per instrument, big sliders with no default answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pygame

from hill_arcade.input import InputEvent, Key, PointerDown, PointerMove, PointerUp
from hill_arcade.render.palette import BACKGROUND, INK, PANEL
from hill_arcade.render.scale import px
from hill_arcade.scene import Scene
from hill_arcade.study.questionnaires import (
    Instrument,
    Item,
    Questionnaires,
    default_questionnaires,
)
from hill_arcade.views.confirm import is_quit_chord
from hill_arcade.widgets.base import rendered, text

MARGIN = 60
ROW_H = 64
TRACK_H = 14
KNOB_R = 14
BUTTON = (180, 56)
MUTED = (120, 120, 128)
ACCENT = (40, 110, 200)
DISABLED = (190, 190, 196)


def snap(item: Item, value: float) -> float:
    """Clamp `value` into the item's range and round it to its step."""
    v = min(item.hi, max(item.lo, value))
    if item.step:
        return round(item.lo + round((v - item.lo) / item.step) * item.step, 6)
    return round(v, 1)  # continuous scales (VAS): 0.1 resolution


class QuestionnaireView(Scene):
    """Administers every instrument; calls `on_finish(answers)` ({item id: value})."""

    def __init__(self, app: Any, on_finish: Callable[[dict[str, float]], None],
                 spec: Questionnaires | None = None,
                 on_answer: Callable[[str, float], None] | None = None) -> None:
        super().__init__(app)
        self.spec = spec or default_questionnaires()
        self.on_finish = on_finish
        self.on_answer = on_answer or (lambda item_id, value: None)
        self.page = 0
        self.answers: dict[str, float] = {}
        self.drags: dict[tuple[bool, int], str] = {}
        self.finished = False

    # geometry ---------------------------------------------------------------------------
    @property
    def instrument(self) -> Instrument:
        return self.spec.instruments[self.page]

    @property
    def last_page(self) -> bool:
        return self.page == len(self.spec.instruments) - 1

    def _size(self) -> tuple[int, int]:
        return self.app.screen.get_size()

    def row_height(self) -> int:
        """Rows shrink to fit the window (at least 64 px: fingers need room)."""
        _, h = self._size()
        n = len(self.instrument.items)
        return max(px(64), min(px(110), (h - px(230)) // max(n, 1)))

    def track_rect(self, index: int) -> pygame.Rect:
        """The slider track of item `index` on the current page (window pixels)."""
        w, _ = self._size()
        top = px(120) + index * self.row_height()
        return pygame.Rect(px(MARGIN + 10), top + px(34), w - px(2 * MARGIN + 80), px(TRACK_H))

    def hit_rect(self, index: int) -> pygame.Rect:
        """Touch target of row `index`: the track plus generous margins."""
        return self.track_rect(index).inflate(px(2 * KNOB_R + 8),
                                              min(self.row_height() - px(20), px(60)))

    def x_for(self, index: int, value: float) -> int:
        """Screen x of `value` on row `index` (for drawing and scripted clicks)."""
        item, r = self.instrument.items[index], self.track_rect(index)
        return int(round(r.x + (value - item.lo) / (item.hi - item.lo) * r.w))

    def button_rect(self) -> pygame.Rect:
        w, h = self._size()
        bw, bh = px(BUTTON[0]), px(BUTTON[1])
        return pygame.Rect(w - px(MARGIN) - bw, h - bh - px(24), bw, bh)

    def back_rect(self) -> pygame.Rect | None:
        """The Back button (bottom left), from the second page on."""
        if self.page == 0:
            return None
        _, h = self._size()
        bw, bh = px(BUTTON[0]), px(BUTTON[1])
        return pygame.Rect(px(MARGIN), h - bh - px(24), bw, bh)

    def page_complete(self) -> bool:
        """True when every item on the current page has an answer."""
        return all(item.id in self.answers for item in self.instrument.items)

    # input ------------------------------------------------------------------------------
    def _set_from_x(self, index: int, x: float) -> None:
        item, r = self.instrument.items[index], self.track_rect(index)
        value = snap(item, item.lo + (x - r.x) / max(r.w, 1) * (item.hi - item.lo))
        if self.answers.get(item.id) != value:
            self.answers[item.id] = value
            self.on_answer(item.id, value)

    def handle(self, event: InputEvent) -> bool:
        if self.finished:
            return True
        if isinstance(event, PointerDown):
            key = (event.touch, event.pid)
            if self.button_rect().collidepoint(event.pos):
                self.drags[key] = "button"
                return True
            back = self.back_rect()
            if back is not None and back.collidepoint(event.pos):
                self.drags[key] = "back"
                return True
            for i, item in enumerate(self.instrument.items):
                if self.hit_rect(i).collidepoint(event.pos):
                    self.drags[key] = item.id
                    self._set_from_x(i, event.pos[0])
                    return True
            return True
        if isinstance(event, PointerMove):
            target = self.drags.get((event.touch, event.pid))
            ids = [item.id for item in self.instrument.items]
            if target in ids:
                self._set_from_x(ids.index(target), event.pos[0])
            return True
        if isinstance(event, PointerUp):
            target = self.drags.pop((event.touch, event.pid), None)
            if target == "button" and self.button_rect().collidepoint(event.pos):
                self.next_page()
            back = self.back_rect()
            if target == "back" and back is not None and back.collidepoint(event.pos):
                self.previous_page()
            return True
        if isinstance(event, Key):
            if is_quit_chord(event):
                return False  # the experimenter may end the session from here too
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                self.next_page()
            elif event.key == pygame.K_BACKSPACE:
                self.previous_page()
            return True  # no global shortcuts (e.g. Esc) while answering
        return True

    def next_page(self) -> bool:
        """Go on (or finish) if the page is complete; False otherwise."""
        if not self.page_complete() or self.finished:
            return False
        if self.last_page:
            self.finished = True
            self.on_finish(dict(self.answers))
        else:
            self.page += 1
            self.drags.clear()
        return True

    def previous_page(self) -> bool:
        """Back one page; every answer given so far is kept. False on the first page."""
        if self.page == 0 or self.finished:
            return False
        self.page -= 1
        self.drags.clear()
        return True

    # drawing ----------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        surface.fill(BACKGROUND)
        w, h = surface.get_size()
        inst = self.instrument
        n_pages = len(self.spec.instruments)
        text(surface, f"{inst.title}  ({self.page + 1}/{n_pages})", (px(MARGIN), px(28)), 40)
        if inst.instructions != "-":
            text(surface, inst.instructions[:140], (px(MARGIN), px(74)), 22, MUTED)
        for i, item in enumerate(inst.items):
            self._draw_row(surface, i, item)
        r = self.button_rect()
        ok = self.page_complete()
        pygame.draw.rect(surface, ACCENT if ok else DISABLED, r, border_radius=px(10))
        label = "Finish" if self.last_page else "Next"
        img_colour = (255, 255, 255) if ok else MUTED
        text(surface, label, (r.x + px(24), r.y + px(16)), 32, img_colour)
        back = self.back_rect()
        if back is not None:
            pygame.draw.rect(surface, PANEL, back, border_radius=px(10))
            pygame.draw.rect(surface, ACCENT, back, 2, border_radius=px(10))
            text(surface, "Back", (back.x + px(24), back.y + px(16)), 32, ACCENT)
        if not ok:
            left = sum(item.id not in self.answers for item in inst.items)
            x = px(MARGIN) if back is None else back.right + px(20)
            text(surface, f"{left} item(s) left on this page", (x, h - px(60)), 24, MUTED)

    def _draw_row(self, surface: pygame.Surface, i: int, item: Item) -> None:
        r = self.track_rect(i)
        label, max_w = item.text, surface.get_width() - px(2 * MARGIN)
        while len(label) > 8 and rendered(label, 22).get_width() > max_w:
            label = label[:-4] + "..."
        text(surface, label, (px(MARGIN), r.y - px(28)), 22)
        pygame.draw.rect(surface, PANEL, r.inflate(0, px(4)), border_radius=px(7))
        pygame.draw.rect(surface, INK, r, 1, border_radius=px(7))
        numbers = False
        if item.step and (item.hi - item.lo) / item.step <= 20:
            k = int(round((item.hi - item.lo) / item.step))
            for j in range(k + 1):
                x = self.x_for(i, item.lo + j * item.step)
                pygame.draw.line(surface, INK, (x, r.bottom + px(2)), (x, r.bottom + px(8)))
                if k <= 10:
                    numbers = True
                    text(surface, f"{item.lo + j * item.step:g}", (x - px(4), r.bottom + px(10)),
                         18, MUTED)
        anchor_y = r.bottom + px(26 if numbers else 12 if item.step else 8)
        text(surface, item.low[:30], (r.x, anchor_y), 18, MUTED)
        high = item.high[:30]
        text(surface, high, (r.right - rendered(high, 18).get_width(), anchor_y), 18, MUTED)
        value = self.answers.get(item.id)
        if value is not None:  # no knob until answered
            x = self.x_for(i, value)
            pygame.draw.circle(surface, ACCENT, (x, r.centery), px(KNOB_R))
            text(surface, f"{value:g}", (r.right + px(22), r.y - px(4)), 22)
