"""One loader for `package.module:function` plugins (datasets and models).

A plugin module is imported like any other; one sitting in the working directory is found
too (the installed `hill-arcade` script does not have it on `sys.path`). Calls are checked
against the documented signature first, so `json:dumps` or `builtins:len` is a one-line
error naming the setting, not a TypeError from deep inside.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Callable
from typing import Any

from hill_arcade.errors import HillError


def import_plugin(path: str, key: str, error: type[HillError]) -> Callable[..., Any]:
    """Resolve `package.module:attr[.attr]` to a callable; `error(f"{key}: ...")` if not."""
    module_name, _, attr_path = path.partition(":")
    if not module_name or not attr_path:
        raise error(f"{key}: expected 'package.module:function', got {path!r}")
    try:
        target: Any = _import(module_name)
    except (ImportError, SyntaxError) as exc:
        raise error(f"{key}: cannot import {module_name!r} for plugin {path!r} "
                    f"({type(exc).__name__}: {exc})") from None
    for attr in attr_path.split("."):
        if not hasattr(target, attr):
            raise error(f"{key}: module {module_name!r} has no {attr_path!r} (plugin {path!r})")
        target = getattr(target, attr)
    if not callable(target):
        raise error(f"{key}: {attr_path!r} is not callable (plugin {path!r})")
    return target


def _import(module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        cwd = os.getcwd()
        if exc.name != module_name.split(".")[0] or cwd in sys.path:
            raise
        sys.path.append(cwd)
        try:
            return importlib.import_module(module_name)
        finally:
            sys.path.remove(cwd)


def check_call(fn: Callable[..., Any], path: str, key: str, error: type[HillError],
               expected: str, *args: Any, **kwargs: Any) -> None:
    """`error` unless `fn(*args, **kwargs)` fits `fn`'s signature (when it has one)."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    try:
        sig.bind(*args, **kwargs)
    except TypeError as exc:
        raise error(f"{key}: plugin {path!r} cannot be called as {expected} ({exc})") from None


def call_plugin(fn: Callable[..., Any], path: str, key: str, error: type[HillError],
                expected: str, *args: Any, **kwargs: Any) -> Any:
    """Call a plugin after :func:`check_call`; an exception it raises is one line naming
    the setting and the plugin (its own HillErrors pass through)."""
    check_call(fn, path, key, error, expected, *args, **kwargs)
    try:
        return fn(*args, **kwargs)
    except HillError:
        raise
    except Exception as exc:  # noqa: BLE001 - a third-party plugin may raise anything
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
        raise error(f"{key}: plugin {path!r} failed ({type(exc).__name__}: {first})") from None
