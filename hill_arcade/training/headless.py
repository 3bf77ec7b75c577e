"""`hill-arcade train`: headless pretraining with a progress bar, checkpoints and metrics.csv."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from hill_arcade.config import SceneConfig
from hill_arcade.training.checkpoint import save_checkpoint
from hill_arcade.training.trainer import Trainer, TrainerHooks

CSV_FIELDS = ["epoch", "val_acc", "macro_f1", "ce", "human", "train_loss", "scale", "seconds"]


def checkpoint_name(epoch: int) -> str:
    """File name of the checkpoint written after `epoch`."""
    return f"epoch_{epoch:03d}.pt"


class ProgressBar:
    """A tqdm bar per running epoch (batches), then one summary line per finished epoch."""

    def __init__(self, total_epochs: int, stream: TextIO | None = None) -> None:
        self.total = total_epochs
        self.stream = stream or sys.stderr  # looked up now: sys.stderr may have been replaced
        self._bar: tqdm | None = None

    def step(self, epoch: int, batch: int, batches: int) -> None:
        if self._bar is None:
            self._bar = tqdm(total=batches, desc=f"epoch {epoch}/{self.total}", unit="batch",
                             file=self.stream, leave=False, mininterval=0.1, dynamic_ncols=True)
        self._bar.update(batch - self._bar.n)

    def epoch(self, metrics: dict[str, Any]) -> None:
        self.close()
        tqdm.write(f"epoch {metrics['epoch']}/{self.total}"
                   f"  val_acc {metrics['val_acc']:.4f}"
                   f"  macro_f1 {metrics['macro_f1']:.4f}  ce {metrics['ce']:.4f}"
                   f"  ({metrics['seconds']:.1f}s)", file=self.stream)

    def close(self) -> None:
        """Remove the running epoch's bar (if any)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def train_headless(scene: SceneConfig, epochs: int, out: Path, trainer: Trainer | None = None,
                   device: str | None = None,
                   on_step: Callable[[int, int, int], None] | None = None) -> Trainer:
    """Train `epochs` epochs; write metrics.csv and last.pt per epoch, epoch_NNN.pt at the end.

    ``on_step(epoch, batch, batches)`` is called after every batch besides the progress bar
    (the app's loading screen shows pretraining progress with it)."""
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

        def step(epoch: int, batch: int, batches: int) -> None:
            bar.step(epoch, batch, batches)
            if on_step is not None:
                on_step(epoch, batch, batches)

        trainer.hooks = TrainerHooks(on_step=step, on_epoch=on_epoch)
        print(f"training {scene.name} on {trainer.device} ({trainer.threads} threads), "
              f"{len(trainer.data.train)} train / {len(trainer.data.val)} val samples",
              file=sys.stderr)
        try:
            trainer.run_epochs(epochs)
        finally:
            bar.close()
    final = save_checkpoint(trainer.state(), out / checkpoint_name(trainer.epoch))
    print(f"checkpoint: {final}", file=sys.stderr)
    return trainer
