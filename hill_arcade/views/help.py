"""Help overlay listing every shortcut; h, Esc or a click closes it."""

from __future__ import annotations

import pygame

from hill_arcade.input import InputEvent, Key, PointerDown
from hill_arcade.render.scale import px
from hill_arcade.scene import Scene
from hill_arcade.widgets.base import font

SHORTCUTS = (
    ("enter", "train next round (sends your edits as targets)"),
    ("space", "pause / resume training"),
    ("+ / -", "alpha +/- 0.05 (weight of your edits)"),
    ("[ / ]", "halve / double the learning rate"),
    ("ctrl+z / ctrl+y", "undo / redo"),
    ("r", "reset edits"),
    ("drag point / cross", "move a point / a whole class"),
    ("wheel on cross", "scale that class's spread"),
    ("double-click cross", "collapse the class to its center"),
    ("shift+drag", "lasso-select points; drag a selected point to move them"),
    ("right-drag / wheel", "pan / zoom the view"),
    ("s", "save a screenshot into the log folder"),
    ("f", "toggle fullscreen"),
    ("p", "pick another scene"),
    ("h", "show / hide this help"),
    ("esc", "quit (asks first)"),
)
STUDY_QUIT = ("ctrl+shift+q", "end the study session (experimenter; asks first)")


def shortcuts(mode_name: str) -> tuple[tuple[str, str], ...]:
    """The shortcuts of a mode: a study has no scene picker and ends only by the chord."""
    if mode_name != "study":
        return SHORTCUTS
    return tuple(s for s in SHORTCUTS if s[0] not in ("p", "esc")) + (STUDY_QUIT,)


class HelpView(Scene):
    opaque = False

    def handle(self, event: InputEvent) -> bool:
        if isinstance(event, Key) and event.key in (pygame.K_h, pygame.K_ESCAPE):
            self.app.pop()
            return True
        if isinstance(event, PointerDown):
            self.app.pop()
            return True
        return isinstance(event, Key)  # swallow other keys while open

    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        shade = pygame.Surface((w, h), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 150))
        surface.blit(shade, (0, 0))
        rows = shortcuts(self.app.mode.name)
        box = pygame.Rect(0, 0, min(w - px(40), px(780)), px(70 + 28 * len(rows)))
        box.center = (w // 2, h // 2)
        pygame.draw.rect(surface, (250, 250, 247), box, border_radius=px(10))
        surface.blit(font(34).render("Shortcuts", True, (20, 20, 25)),
                     (box.x + px(20), box.y + px(16)))
        y = box.y + px(56)
        for key, what in rows:
            surface.blit(font(24).render(key, True, (0, 90, 150)), (box.x + px(20), y))
            surface.blit(font(24).render(what, True, (20, 20, 25)), (box.x + px(230), y))
            y += px(28)
