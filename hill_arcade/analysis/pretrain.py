"""Pretrained checkpoints for scripted runs, trained once and cached per scene, seed and config.

Cache folder: ``$HILL_ARCADE_CACHE`` if set, else ``$XDG_CACHE_HOME/hill-arcade`` (default
``~/.cache/hill-arcade``), then ``pretrained/<scene>-s<seed>-<hash>/`` with the usual
``hill-arcade train`` output (``metrics.csv``, ``epoch_NNN.pt``). The hash covers everything
pretraining depends on (dataset, model, optimizer, λ, loss variant, seed, amp, epochs) and
the source of ``hill_arcade/models``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from hill_arcade.config import SceneConfig

# bumped whenever a model's code changes what its checkpoints hold (2: linear projection head)
CACHE_VERSION = 2


def cache_root() -> Path:
    """The user cache folder of hill-arcade."""
    explicit = os.environ.get("HILL_ARCADE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hill-arcade"


def pretrain_key(scene: SceneConfig, epochs: int) -> str:
    """12 hex digits identifying what a pretraining run to `epochs` depends on."""
    d = scene.to_dict()
    relevant = {"cache": CACHE_VERSION,
                "dataset": d["dataset"], "model": d["model"], "optimizer": d["optimizer"],
                "lam": d["hill"]["lam"], "loss": d["hill"].get("loss"),
                "seed": d["runtime"]["seed"], "amp": d["runtime"]["amp"], "epochs": epochs}
    blob = json.dumps(relevant, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob + _model_code()).hexdigest()[:12]


def _model_code() -> bytes:
    """The models' source: an edited architecture must not reuse an old checkpoint."""
    from hill_arcade import models

    folder = Path(models.__file__).parent
    return b"".join(p.read_bytes() for p in sorted(folder.glob("*.py")))


def pretrained_folder(scene: SceneConfig, epochs: int) -> Path:
    stem = Path(scene.source).stem if scene.source != "<defaults>" else "scene"
    return (cache_root() / "pretrained"
            / f"{stem}-s{scene.runtime.seed}-{pretrain_key(scene, epochs)}")


def ensure_pretrained(scene: SceneConfig, epochs: int) -> Path:
    """The cached checkpoint after `epochs` plain-CE epochs; trains it first if missing."""
    from hill_arcade.training.headless import checkpoint_name, train_headless

    folder = pretrained_folder(scene, epochs)
    final = folder / checkpoint_name(epochs)
    if final.is_file():
        return final
    for stale in ("metrics.csv", "last.pt"):  # an interrupted earlier attempt
        (folder / stale).unlink(missing_ok=True)
    train_headless(scene, epochs, folder)
    return final
