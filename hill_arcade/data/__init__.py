"""Dataset loading: the built-ins (digits, cifar10, pamap2, mnist1d) and plugins
(``package.module:function``).

A plugin factory is called as ``build(params: dict, seed: int, root: str | None)`` and must
return a :class:`~hill_arcade.data.base.DatasetSplits`.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from hill_arcade.config import (
    BUILTIN_DATASET_PARAMS,
    Cifar10Params,
    DatasetConfig,
    DigitsParams,
    Mnist1dParams,
    Pamap2Params,
)
from hill_arcade.data.base import DatasetSplits, Split
from hill_arcade.errors import DatasetError

__all__ = ["DatasetSplits", "Split", "default_root", "fetch_dataset", "load_dataset"]

DATA_DIR_ENV = "HILL_DATA_DIR"


def default_root(name: str) -> Path:
    """Where a built-in dataset lives by default: ``$HILL_DATA_DIR/NAME`` or ``./data/NAME``."""
    parent = os.environ.get(DATA_DIR_ENV)
    return Path(parent) / name if parent else Path("data") / name


def _root(name: str, root: str | Path | None) -> Path:
    return Path(root).expanduser() if root is not None else default_root(name)


def load_dataset(cfg: DatasetConfig, seed: int) -> DatasetSplits:
    """Load the dataset a scene names; raises DatasetError (one line) when it cannot."""
    name = cfg.name
    if ":" in name:
        return _load_plugin(name, cfg.params, seed, cfg.root)
    params_cls = BUILTIN_DATASET_PARAMS.get(name)
    if params_cls is None:
        raise DatasetError(
            f"unknown dataset {name!r}: expected one of {', '.join(BUILTIN_DATASET_PARAMS)} "
            "or a plugin path 'package.module:function'"
        )
    params = cfg.params if cfg.params is not None else params_cls()
    if not isinstance(params, params_cls):
        raise TypeError(f"dataset {name!r} needs {params_cls.__name__}, got {params!r}")
    if isinstance(params, DigitsParams):
        from hill_arcade.data.digits import load_digits

        return load_digits(params, seed)
    if isinstance(params, Cifar10Params):
        from hill_arcade.data.cifar10 import load_cifar10

        return load_cifar10(params, seed, _root(name, cfg.root))
    if isinstance(params, Mnist1dParams):
        from hill_arcade.data.mnist1d import load_mnist1d

        return load_mnist1d(params, seed)
    assert isinstance(params, Pamap2Params)
    from hill_arcade.data.pamap2 import load_pamap2

    return load_pamap2(params, seed, _root(name, cfg.root))


def _import_factory(path: str):
    from hill_arcade.plugins import import_plugin

    return import_plugin(path, "dataset.name", DatasetError)


def _load_plugin(path: str, params: object, seed: int, root: str | None) -> DatasetSplits:
    from hill_arcade.plugins import call_plugin

    factory = _import_factory(path)
    result = call_plugin(factory, path, "dataset.name", DatasetError,
                         "build(params, seed, root)", dict(params or {}), seed, root)
    check_splits(result, f"dataset plugin {path!r}")
    return result


def check_splits(result: object, who: str) -> None:
    """Raise DatasetError (prefixed by ``who``) unless ``result`` fulfils the dataset contract."""
    if not isinstance(result, DatasetSplits):
        raise DatasetError(
            f"{who}: returned {type(result).__name__}, expected hill_arcade.data.base.DatasetSplits"
        )
    if not result.class_names:
        raise DatasetError(f"{who}: class_names is empty")
    shape = tuple(result.input_shape)
    for name in ("train", "val", "test"):
        split = getattr(result, name)
        if not isinstance(split, Split) or not isinstance(split.x, torch.Tensor) \
                or not isinstance(split.y, torch.Tensor):
            raise DatasetError(f"{who}: {name} must be a Split of two tensors (x, y)")
        x, y = split.x, split.y
        if x.dtype != torch.float32 or tuple(x.shape[1:]) != shape:
            raise DatasetError(
                f"{who}: {name}.x must be float32 of shape (N, {', '.join(map(str, shape))}), "
                f"got {x.dtype} {tuple(x.shape)}"
            )
        if y.dtype != torch.int64 or y.ndim != 1 or len(y) != len(x):
            raise DatasetError(
                f"{who}: {name}.y must be int64 of shape ({len(x)},), got {y.dtype} "
                f"{tuple(y.shape)}"
            )
        if len(y) and (int(y.min()) < 0 or int(y.max()) >= len(result.class_names)):
            raise DatasetError(
                f"{who}: {name}.y has labels outside 0..{len(result.class_names) - 1}"
            )
    if len(result.train) == 0:
        raise DatasetError(f"{who}: the train split is empty")


def fetch_dataset(name: str, root: str | None, download: bool) -> str:
    """Check (and for cifar10 optionally download) a built-in dataset; returns a status line.

    Used by ``hill-arcade data NAME [--download] [--root DIR]``; raises DatasetError.
    """
    if name == "digits":
        from sklearn.datasets import load_digits

        n = len(load_digits().target)
        return f"digits: {n} images (8x8, 10 classes) bundled with scikit-learn; nothing to fetch"
    if name == "cifar10":
        from hill_arcade.data import cifar10

        folder = _root(name, root)
        return cifar10.download(folder) if download else cifar10.describe(folder)
    if name == "mnist1d":
        from hill_arcade.data import mnist1d

        return mnist1d.describe()
    if name == "pamap2":
        from hill_arcade.data import pamap2

        folder = _root(name, root)
        if download and pamap2.find_protocol_dir(folder) is None:
            raise DatasetError(
                "pamap2: no automatic download (the UCI archive is large); "
                + pamap2.not_found_message(folder)
            )
        return pamap2.describe(folder)
    if ":" in name:
        raise DatasetError(f"{name}: plugin datasets fetch their own data")
    raise DatasetError(
        f"unknown dataset {name!r}: expected one of {', '.join(BUILTIN_DATASET_PARAMS)}"
    )
