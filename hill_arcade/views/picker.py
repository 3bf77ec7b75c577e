"""Scene picker overlay: big rows for each bundled scene; click/tap or up/down + enter picks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pygame

from hill_arcade.config import SceneConfig, load_scene
from hill_arcade.errors import ConfigError
from hill_arcade.input import InputEvent, Key, PointerDown
from hill_arcade.render.scale import px
from hill_arcade.scene import Scene
from hill_arcade.widgets.base import font

ROW_H = 64  # touch-friendly (>= 48 px)


@dataclass
class PickerEntry:
    """One bundled scene file: its config, or the one-line error that stopped it loading."""

    stem: str
    cfg: SceneConfig | None
    error: str = ""


def bundled_scenes(scenes_dir: Path | None = None) -> list[PickerEntry]:
    """Load every ``*.yaml`` in the scenes folder (sorted by stem), keeping failures."""
    if scenes_dir is None:
        from hill_arcade import SCENES_DIR

        scenes_dir = SCENES_DIR
    entries = []
    for path in sorted(Path(scenes_dir).glob("*.yaml")):
        try:
            entries.append(PickerEntry(path.stem, load_scene(path)))
        except ConfigError as exc:
            entries.append(PickerEntry(path.stem, None, str(exc).splitlines()[0]))
    return entries


class PickerView(Scene):
    """Overlay listing the bundled scenes; choosing one calls ``app.switch_scene``."""

    opaque = False

    def __init__(self, app, scenes_dir: Path | None = None) -> None:  # noqa: ANN001
        super().__init__(app)
        self.entries = bundled_scenes(scenes_dir)
        ok = [i for i, e in enumerate(self.entries) if e.cfg is not None]
        self.selected = ok[0] if ok else 0
        self.rows: list[pygame.Rect] = []
        self._layout(app.screen.get_size())

    def _layout(self, size: tuple[int, int]) -> None:
        w, h = size
        row_h = px(ROW_H)
        box_w = min(w - px(40), px(720))
        top = max(px(20), h // 2 - (px(60) + row_h * len(self.entries)) // 2) + px(60)
        x = (w - box_w) // 2
        self.rows = [pygame.Rect(x + px(10), top + i * row_h, box_w - px(20), row_h - px(6))
                     for i in range(len(self.entries))]

    def _move(self, step: int) -> None:
        n = len(self.entries)
        for k in range(1, n + 1):
            i = (self.selected + step * k) % n
            if self.entries[i].cfg is not None:
                self.selected = i
                return

    def choose(self, i: int) -> bool:
        """Switch to row ``i``'s scene; False (and nothing happens) if it failed to load."""
        entry = self.entries[i] if 0 <= i < len(self.entries) else None
        if entry is None or entry.cfg is None:
            return False
        self.app.switch_scene(entry.cfg)
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
        if isinstance(event, PointerDown):
            self._layout(self.app.screen.get_size())
            hit = [i for i, r in enumerate(self.rows) if r.collidepoint(event.pos)]
            if hit:
                self.selected = hit[0] if self.entries[hit[0]].cfg is not None else self.selected
                self.choose(hit[0])
            else:
                self.app.pop()
            return True
        return False

    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        self._layout((w, h))
        shade = pygame.Surface((w, h), pygame.SRCALPHA)
        shade.fill((0, 0, 0, 150))
        surface.blit(shade, (0, 0))
        if not self.rows:
            return
        box = pygame.Rect(self.rows[0].x - px(10), self.rows[0].y - px(60),
                          self.rows[0].w + px(20), px(70) + px(ROW_H) * len(self.rows))
        pygame.draw.rect(surface, (250, 250, 247), box, border_radius=px(10))
        surface.blit(font(34).render("Choose a scene", True, (20, 20, 25)),
                     (box.x + px(20), box.y + px(16)))
        for i, (entry, row) in enumerate(zip(self.entries, self.rows, strict=True)):
            ok = entry.cfg is not None
            if i == self.selected and ok:
                pygame.draw.rect(surface, (210, 228, 245), row, border_radius=px(8))
            pygame.draw.rect(surface, (200, 200, 195), row, 1, border_radius=px(8))
            ink = (20, 20, 25) if ok else (150, 150, 150)
            title = entry.cfg.name if ok else entry.stem
            surface.blit(font(28).render(title, True, ink), (row.x + px(14), row.y + px(6)))
            sub = entry.stem if ok else entry.error
            surface.blit(font(20).render(sub, True, (110, 110, 110) if ok else (170, 120, 120)),
                         (row.x + px(14), row.y + px(34)))
