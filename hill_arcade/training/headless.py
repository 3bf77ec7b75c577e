"""`hill-arcade train`: headless pretraining with a progress bar, checkpoints and metrics.csv."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from hill_arcade.config import SceneConfig
from hill_arcade.training.checkpoint import save_checkpoint
from hill_arcade.training.trainer import Trainer, TrainerHooks

CSV_FIELDS = ["epoch", "val_acc", "macro_f1", "ce", "human", "train_loss", "scale", "seconds"]


def checkpoint_name(epoch: int) -> str:
    """File name of the checkpoint written after `epoch`."""
    return f"epoch_{epoch:03d}.pt"


class ProgressBar:
    """A one-line text progress bar for the running epoch (redrawn at most 10x per second)."""

    def __init__(self, total_epochs: int, stream: TextIO | None = None) -> None:
        self.total = total_epochs
        self.stream = stream or sys.stderr  # looked up now: sys.stderr may have been replaced
        self._last = 0.0

    def step(self, epoch: int, batch: int, batches: int) -> None:
        now = time.monotonic()
        if batch != batches and now - self._last < 0.1:
            return
        self._last = now
        filled = int(24 * batch / max(batches, 1))
        self.stream.write(f"\repoch {epoch}/{self.total} [{'#' * filled}{'.' * (24 - filled)}] "
                          f"{batch}/{batches}")
        self.stream.flush()

    def epoch(self, metrics: dict[str, Any]) -> None:
        self.stream.write(f"\repoch {metrics['epoch']}/{self.total}"
                          f"  val_acc {metrics['val_acc']:.4f}"
                          f"  macro_f1 {metrics['macro_f1']:.4f}  ce {metrics['ce']:.4f}"
                          f"  ({metrics['seconds']:.1f}s)" + " " * 8 + "\n")
        self.stream.flush()


def train_headless(scene: SceneConfig, epochs: int, out: Path, trainer: Trainer | None = None,
                   device: str | None = None) -> Trainer:
    """Train `epochs` epochs; write metrics.csv and last.pt per epoch, epoch_NNN.pt at the end."""
    from hill_arcade.data import load_dataset

    out.mkdir(parents=True, exist_ok=True)
    if trainer is None:
        trainer = Trainer(scene, load_dataset(scene.dataset, scene.runtime.seed), device=device)
    bar = ProgressBar(trainer.epoch + epochs)
    csv_path = out / "metrics.csv"
    new_file = not csv_path.exists()
    with csv_path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, extrasaction="ignore")
        if new_file:
            writer.writeheader()

        def on_epoch(metrics: dict[str, Any]) -> None:
            writer.writerow(metrics)
            handle.flush()
            save_checkpoint(trainer.state(), out / "last.pt")
            bar.epoch(metrics)

        trainer.hooks = TrainerHooks(on_step=bar.step, on_epoch=on_epoch)
        print(f"training {scene.name} on {trainer.device} ({trainer.threads} threads), "
              f"{len(trainer.data.train)} train / {len(trainer.data.val)} val samples",
              file=sys.stderr)
        trainer.run_epochs(epochs)
    final = save_checkpoint(trainer.state(), out / checkpoint_name(trainer.epoch))
    print(f"checkpoint: {final}", file=sys.stderr)
    return trainer
