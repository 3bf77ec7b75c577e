"""Model registry: built-in classifiers by name, or plugins by ``package.module:function``."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from torch import nn

from hill_arcade.config import ModelConfig
from hill_arcade.errors import ConfigError
from hill_arcade.models import cifar10_cnn, digits_cnn, mnist1d_cnn, pamap2_cnn
from hill_arcade.models.base import HillNet, ProjectionHead

__all__ = ["BUILTIN_MODELS", "HillNet", "ProjectionHead", "build_model"]

BUILTIN_MODELS: dict[str, Callable[..., nn.Module]] = {
    "digits_cnn": digits_cnn.build,
    "cifar10_cnn": cifar10_cnn.build,
    "pamap2_cnn": pamap2_cnn.build,
    "mnist1d_cnn": mnist1d_cnn.build,
}

_POSITIONAL = ("num_classes", "input_shape")


def build_model(cfg: ModelConfig, num_classes: int, input_shape: tuple[int, ...]) -> HillNet:
    """Build ``cfg.name`` (built-in or plugin) and wrap it with the 2D projection head.

    Raises ConfigError naming ``model.name`` or ``model.params.<key>`` when the model cannot be
    resolved, a parameter is unknown or has the wrong type, or a plugin returns no valid model.
    """
    params = dict(cfg.params or {})
    input_shape = tuple(int(d) for d in input_shape)
    if cfg.name in BUILTIN_MODELS:
        factory = BUILTIN_MODELS[cfg.name]
        params = _check_params(cfg.name, factory, params, coerce=True)
    elif ":" in cfg.name:
        factory = _resolve_plugin(cfg.name)
        params = _check_params(cfg.name, factory, params, coerce=False)
    else:
        raise ConfigError(
            f"model.name: expected one of {', '.join(BUILTIN_MODELS)} or a plugin path "
            f"'package.module:function', got {cfg.name!r}"
        )
    from hill_arcade.plugins import call_plugin

    if cfg.name in BUILTIN_MODELS:
        classifier = factory(num_classes=num_classes, input_shape=input_shape, **params)
    else:
        classifier = call_plugin(factory, cfg.name, "model.name", ConfigError,
                                 "build(num_classes=..., input_shape=..., **model.params)",
                                 num_classes=num_classes, input_shape=input_shape, **params)
    latent_dim = getattr(classifier, "latent_dim", None)
    if not isinstance(classifier, nn.Module) or not isinstance(latent_dim, int) or latent_dim < 1:
        raise ConfigError(
            f"model.name: {cfg.name!r} must return an nn.Module with a positive integer "
            f"`latent_dim`, got {type(classifier).__name__} (latent_dim={latent_dim!r})"
        )
    return HillNet(classifier, cfg.projection_hidden)


def _resolve_plugin(path: str) -> Callable[..., nn.Module]:
    from hill_arcade.plugins import import_plugin

    return import_plugin(path, "model.name", ConfigError)


def _check_params(
    name: str, factory: Callable[..., Any], params: dict[str, Any], coerce: bool
) -> dict[str, Any]:
    """Reject keys the factory does not accept; for built-ins also check types by the default."""
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):  # some callables have no inspectable signature
        return params
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return params
    accepted = {
        k: p
        for k, p in sig.parameters.items()
        if k not in _POSITIONAL and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    }
    checked = {}
    for key, value in params.items():
        if key not in accepted:
            expected = ", ".join(accepted) or "no parameters"
            raise ConfigError(
                f"model.params.{key}: unknown parameter for model {name!r} (expected: {expected})"
            )
        default = accepted[key].default
        checked[key] = _coerce(key, value, default) if coerce else value
    return checked


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Check `value` against the type of a built-in's default (YAML gives lists, ints, ...)."""
    where = f"model.params.{key}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if isinstance(default, (tuple, list)):
        ok = isinstance(value, (tuple, list)) and len(value) == len(default)
        if ok:
            ok = all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        if not ok:
            raise ConfigError(f"{where}: expected a list of {len(default)} integers, got {value!r}")
        return tuple(value)
    return value
