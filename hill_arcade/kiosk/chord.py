"""Kiosk keyboard policy: the admin exit chord, and which events are exit attempts to swallow."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from hill_arcade.errors import ConfigError  # noqa: E402

CONFIG_KEY = "kiosk.admin_chord"

# modifier name -> the KMOD_* group it requires (left or right key both count)
MODIFIERS: dict[str, int] = {
    "ctrl": pygame.KMOD_CTRL, "control": pygame.KMOD_CTRL,
    "shift": pygame.KMOD_SHIFT,
    "alt": pygame.KMOD_ALT, "option": pygame.KMOD_ALT,
    "meta": pygame.KMOD_GUI, "gui": pygame.KMOD_GUI, "cmd": pygame.KMOD_GUI,
    "super": pygame.KMOD_GUI, "win": pygame.KMOD_GUI,
}
_MOD_GROUPS = (pygame.KMOD_CTRL, pygame.KMOD_SHIFT, pygame.KMOD_ALT, pygame.KMOD_GUI)
_ALIASES = {"esc": "escape", "enter": "return", "del": "delete", "ins": "insert",
            "pgup": "pageup", "pgdn": "pagedown", "bksp": "backspace"}


def key_from_name(name: str) -> int | None:
    """The pygame key constant for a name like "q", "7", "f12", "escape" (None if unknown)."""
    name = _ALIASES.get(name.strip().lower(), name.strip().lower())
    if not name or name in MODIFIERS:
        return None
    if len(name) == 1:  # letters and digits: K_a, K_7
        return getattr(pygame, f"K_{name}", None)
    value = getattr(pygame, f"K_{name.upper()}", None)  # K_F12, K_ESCAPE, K_SPACE, ...
    return value if isinstance(value, int) else None


class AdminChord:
    """A configured key chord (modifiers + one key) that lets staff leave kiosk mode."""

    def __init__(self, keys: list[str], source: str | None = None) -> None:
        where = f"{source}: {CONFIG_KEY}" if source else CONFIG_KEY
        if not keys:
            raise ConfigError(f"{where}: expected modifier names and one key, got {keys!r}")
        mods = 0
        key: int | None = None
        for raw in keys:
            name = str(raw).strip().lower()
            if name in MODIFIERS:
                mods |= MODIFIERS[name]
                continue
            code = key_from_name(name)
            if code is None:
                raise ConfigError(
                    f"{where}: unknown key {raw!r} (expected one of {', '.join(sorted(MODIFIERS))}"
                    ", a letter or digit, f1-f15, or a pygame key name such as escape)")
            if key is not None:
                raise ConfigError(f"{where}: expected exactly one non-modifier key, got {keys!r}")
            key = code
        if key is None:
            raise ConfigError(f"{where}: expected one non-modifier key besides the modifiers, "
                              f"got {keys!r}")
        self.keys = list(keys)
        self.key = key
        self.mods = mods

    def matches(self, key: int, mod: int) -> bool:
        """True for a KEYDOWN of exactly this chord (each modifier group held or not, as set)."""
        if key != self.key:
            return False
        return all(bool(mod & group) == bool(self.mods & group) for group in _MOD_GROUPS)

    def __repr__(self) -> str:
        return f"AdminChord({'+'.join(self.keys)})"


def is_blocked_quit(event: Any) -> bool:
    """True for an exit attempt kiosk mode must swallow: window close, Esc, ctrl/cmd+Q, alt+F4.

    Check the admin chord first: a chord such as ctrl+shift+alt+q also counts as ctrl+q here.
    """
    kind = getattr(event, "type", None)
    if kind in (pygame.QUIT, pygame.WINDOWCLOSE):
        return True
    if kind != pygame.KEYDOWN:
        return False
    key = getattr(event, "key", None)
    mod = getattr(event, "mod", 0) or 0
    if key == pygame.K_ESCAPE:
        return True
    if key == pygame.K_q and mod & (pygame.KMOD_CTRL | pygame.KMOD_GUI):
        return True
    if key == pygame.K_w and mod & (pygame.KMOD_CTRL | pygame.KMOD_GUI):
        return True  # close-window shortcut
    return key == pygame.K_F4 and bool(mod & pygame.KMOD_ALT)
