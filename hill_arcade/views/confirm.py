"""Modal confirm dialog, passing toast, and the one way the App asks before quitting.

:class:`ConfirmView` is a reusable overlay: title, wrapped message, touch-sized buttons; keys
y / enter pick the first button, n / esc the last (when it cancels). :class:`Toast` shows a
short message for a few seconds without taking the input. :func:`request_quit` is what Esc and
the window's close button call: play asks first (always on Esc, on close only when edits would
be lost); a study ends only through the experimenter chord or the confirmed dialog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pygame

from hill_arcade.input import InputEvent, Key, PointerDown, PointerUp
from hill_arcade.render.palette import INK
from hill_arcade.render.scale import px
from hill_arcade.scene import Scene
from hill_arcade.widgets.base import Button, rendered, text
from hill_arcade.widgets.status import wrap_text

BUTTON_H = 56  # touch-sized (>= 48 px)
BOX_W = 600
TOAST_S = 4.0
QUIT_CHORD = "ctrl+shift+q"  # ends a study (the experimenter's, named in the study bar)
MUTED = (90, 90, 95)


def is_quit_chord(event: Key) -> bool:
    """True for ctrl+shift+q (either ctrl, either shift)."""
    return (event.key == pygame.K_q and bool(event.mod & pygame.KMOD_CTRL)
            and bool(event.mod & pygame.KMOD_SHIFT))


@dataclass(frozen=True)
class Choice:
    """One button: its label, what it does, the keys that pick it, the hint under it."""

    label: str
    action: Callable[[], None]
    keys: tuple[int, ...] = ()
    hint: str = ""


class ConfirmView(Scene):
    """A modal question above the scenes below; the chosen button's action runs after the
    dialog has closed. ``kind`` names it (e.g. "quit"), ``anchor`` is "center" or "bottom"
    (a result the person should still see above it), ``shade`` dims what is below."""

    opaque = False
    retained = True

    def __init__(self, app: Any, title: str, message: str, choices: Sequence[Choice], *,
                 kind: str = "", anchor: str = "center", shade: bool = True) -> None:
        super().__init__(app)
        if not choices:
            raise ValueError("a dialog needs at least one choice")
        self.title, self.message = title, message
        self.choices = list(choices)
        self.kind, self.anchor, self.shade = kind, anchor, shade
        self.closed = False
        self.widgets: list[Button] = [
            Button(pygame.Rect(0, 0, 1, 1), c.label, lambda c=c: self.choose(c), c.hint)
            for c in self.choices]
        self._held: Button | None = None
        self.box = pygame.Rect(0, 0, 0, 0)
        self._lines: list[str] = []
        self.layout(app.screen.get_size())

    # geometry ---------------------------------------------------------------------------
    def layout(self, size: tuple[int, int]) -> None:
        """Place the box and its buttons for a window of ``size``."""
        w, h = size
        box_w = min(w - px(24), px(BOX_W))
        pad = px(20)
        self._lines = wrap_text(self.message, 24, box_w - 2 * pad) if self.message else []
        title_h, line_h, button_h = px(44), px(26), px(BUTTON_H)
        box_h = pad + title_h + line_h * len(self._lines) + px(16) + button_h + pad
        self.box = pygame.Rect(0, 0, box_w, min(box_h, h - px(8)))
        if self.anchor == "bottom":
            self.box.midbottom = (w // 2, h - px(12))
        else:
            self.box.center = (w // 2, h // 2)
        n, gap = len(self.widgets), px(12)
        bw = (box_w - 2 * pad - gap * (n - 1)) // n
        y = self.box.bottom - pad - button_h
        for i, button in enumerate(self.widgets):
            button.rect = pygame.Rect(self.box.x + pad + i * (bw + gap), y, bw, button_h)

    # input ------------------------------------------------------------------------------
    def choose(self, choice: Choice) -> None:
        """Close the dialog, then run ``choice``'s action (once)."""
        if self.closed:
            return
        self.closed = True
        if self in self.app.stack:
            self.app.stack.remove(self)
        choice.action()

    def _cancel(self) -> Choice | None:
        """The last button cancels when there are several (n / esc pick it)."""
        return self.choices[-1] if len(self.choices) > 1 else None

    def handle(self, event: InputEvent) -> bool:
        if isinstance(event, Key):
            for choice in self.choices:
                if event.key in choice.keys:
                    self.choose(choice)
                    return True
            if event.key in (pygame.K_y, pygame.K_RETURN, pygame.K_KP_ENTER):
                self.choose(self.choices[0])
            elif event.key in (pygame.K_n, pygame.K_ESCAPE) and self._cancel():
                self.choose(self._cancel())  # type: ignore[arg-type]
            return True  # modal: no shortcuts below while it is open
        if isinstance(event, PointerDown):
            self.layout(self.app.screen.get_size())
            for button in self.widgets:
                if button.pointer_down(event.pos):
                    self._held = button
                    break
            return True
        if isinstance(event, PointerUp):
            held, self._held = self._held, None
            if held is not None:
                held.pointer_up(event.pos)
            return True
        return True  # moves and wheels stay in the dialog

    # drawing ----------------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        if not self.app.repaint_all:  # retained: redraw only when something below changed
            if self.app.damaged(surface.get_rect()):
                self.app.invalidate()
            return
        self.layout(surface.get_size())
        if self.shade:
            shade = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
            shade.fill((0, 0, 0, 150))
            surface.blit(shade, (0, 0))
        box = self.box
        pygame.draw.rect(surface, (250, 250, 247), box, border_radius=px(10))
        pygame.draw.rect(surface, (120, 120, 125), box, 1, border_radius=px(10))
        pad = px(20)
        text(surface, self.title, (box.x + pad, box.y + pad), 34, INK)
        y = box.y + pad + px(44)
        for line in self._lines:
            text(surface, line, (box.x + pad, y), 24, INK)
            y += px(26)
        for button in self.widgets:
            button.draw(surface)


class Toast(Scene):
    """A short message at the bottom for a few seconds; input passes through to the scene
    below (a key or a press also dismisses it)."""

    opaque = False
    retained = True

    def __init__(self, app: Any, message: str, seconds: float = TOAST_S) -> None:
        super().__init__(app)
        self.message = message
        self.seconds = seconds
        self.t = 0.0
        self.rect = pygame.Rect(0, 0, 0, 0)

    def _dismiss(self) -> None:
        if self in self.app.stack:
            self.app.stack.remove(self)

    def update(self, dt: float) -> None:
        self.t += dt
        if self.t >= self.seconds:
            self._dismiss()

    def handle(self, event: InputEvent) -> bool:
        stack = self.app.stack
        if self not in stack:
            return False
        if isinstance(event, (Key, PointerDown)):
            self._dismiss()
            return self.app.top.handle(event)
        i = stack.index(self)
        return i > 0 and stack[i - 1].handle(event)

    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        lines = wrap_text(self.message, 22, w - px(80))
        line_h = px(24)
        box_w = max(rendered(line, 22).get_width() for line in lines) + px(32)
        rect = pygame.Rect(0, 0, box_w, line_h * len(lines) + px(20))
        rect.midbottom = (w // 2, h - px(16))
        if not self.app.repaint_all and not self.app.damaged(rect):
            return
        self.rect = rect
        pygame.draw.rect(surface, (40, 40, 48), rect, border_radius=px(8))
        y = rect.y + px(10)
        for line in lines:
            text(surface, line, (rect.x + px(16), y), 22, (255, 255, 255))
            y += line_h
        self.app.damage(rect)


def show_toast(app: Any, message: str, seconds: float = TOAST_S) -> Toast:
    """Show ``message`` at the bottom of the window for ``seconds`` (replaces an older one)."""
    for scene in [s for s in app.stack if isinstance(s, Toast)]:
        app.stack.remove(scene)
    toast = Toast(app, message, seconds)
    app.push(toast)
    return toast


# quitting ---------------------------------------------------------------------------------

def pending_edits(app: Any) -> int:
    """Edits on screen that no round has trained on yet (0 before the play view exists)."""
    play = getattr(app, "play", None)
    edits = getattr(play, "edits", None)
    if edits is None or not edits.edited:
        return 0
    return max(1, int(getattr(play, "edit_count", edits.undo_depth)))


def asking(app: Any, kind: str) -> ConfirmView | None:
    """The open dialog of ``kind``, if any."""
    for scene in app.stack:
        if isinstance(scene, ConfirmView) and scene.kind == kind:
            return scene
    return None


def quit_now(app: Any, reason: str) -> None:
    """End the App's loop (logged with what would be lost)."""
    app.log.write("quit", reason=reason, pending_edits=pending_edits(app))
    app.running = False


def request_quit(app: Any, reason: str) -> None:
    """Esc ("esc"), the window's close button ("window_close") or the experimenter chord
    ("chord") asked to quit. Play: Esc always asks, closing the window asks when edits would
    be lost. A study (``mode.quit_needs_chord``) ignores Esc, and asks otherwise."""
    if asking(app, "quit") is not None:
        return
    study = bool(getattr(app.mode, "quit_needs_chord", False))
    edits = pending_edits(app)
    if study and reason == "esc":
        app.log.write("quit_blocked", reason=reason)
        show_toast(app, f"Experimenter: {QUIT_CHORD} ends the study session.")
        return
    if not study and reason == "window_close" and edits == 0:
        quit_now(app, reason)
        return
    if study:
        title, yes, no = "End the study session?", "End session", "Continue"
        message = getattr(app.mode, "quit_message", lambda: "")()
    else:
        title, yes, no = "Quit HILL arcade?", "Quit", "Stay"
        parts = []
        if edits:
            parts.append(f"{edits} edit(s) not trained on yet will be lost.")
        play = getattr(app, "play", None)
        epoch = int(play.snapshot.epoch) if play is not None and play.snapshot else 0
        if epoch:
            parts.append(f"The model (epoch {epoch}) is not kept; the session log stays in "
                         f"{app.log_dir}.")
        message = " ".join(parts)
    app.log.write("quit_requested", reason=reason, pending_edits=edits)
    app.push(ConfirmView(app, title, message, [
        Choice(yes, lambda: quit_now(app, reason), (pygame.K_y,), "y / enter"),
        Choice(no, lambda: app.log.write("quit_cancelled", reason=reason), (pygame.K_n,),
               "n / esc"),
    ], kind="quit"))
