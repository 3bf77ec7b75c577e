"""`hill-arcade replay SESSION_DIR`: re-run a recorded session headless.

The trainer logged what it did (`loaded`: the starting checkpoint and the exact scene;
`round_begin`: each round's epochs, α, λ, lr and targets at its first step;
`settings_applied` / `targets_applied`: the step at which a change made during a round took
effect). Replay restores the checkpoint into a fresh Trainer and applies the same changes at
the same trainer steps, so on the same machine with the same seed and thread count the
validation curve repeats; `--seed K` reseeds the continuation (shuffling, dropout) to see how
robust that person's strategy is.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from hill_arcade.errors import HillError

CHANGES = ("settings_applied", "targets_applied")
COLUMNS = ["epoch", "val_acc", "recorded_val_acc", "baseline_val_acc", "human", "ce"]


@dataclasses.dataclass
class Recording:
    """What a session log says the trainer did, from its first `loaded` event on."""

    folder: Path
    scene: dict[str, Any]
    source: str
    checkpoint: Path | None
    threads: int | None
    continuation_seed: int | None
    rounds: list[dict[str, Any]]
    changes: dict[int, list[dict[str, Any]]]  # trainer step -> changes applied before it
    recorded_val: dict[int, float]  # epoch -> val_acc as recorded


def read_recording(folder: Path, scenario: str | None = None) -> Recording:
    """The trainer's part of `folder/events.jsonl`; HillError naming what is missing. A log
    holding several runs (a study's scenarios, a scene switch) gives its first run, or the
    first whose scene file is named `scenario` (its stem) where there is one."""
    from hill_arcade.eventlog import read_events

    path = Path(folder) / "events.jsonl"
    if not path.is_file():
        raise HillError(f"{path}: not found (replay needs a session folder with its events)")
    events = read_events(path).events
    starts = [i for i, e in enumerate(events) if e.get("type") == "loaded"]
    if not starts:
        raise HillError(f"{path}: no 'loaded' event; the session was recorded before replay "
                        "support (the trainer's starting point is unknown)")
    if any("scene" not in events[i] for i in starts):
        raise HillError(f"{path}: the 'loaded' event has no scene; recorded by an older "
                        "version, cannot be replayed exactly")
    first = next((i for i, start in enumerate(starts) if scenario is not None and Path(
        str(events[start].get("scene_source"))).stem == scenario), 0)
    end = starts[first + 1] if first + 1 < len(starts) else len(events)
    mine, loaded = events[starts[first]:end], events[starts[first]]
    started = next((e for e in events if e.get("type") == "simulate_started"), {})
    changes: dict[int, list[dict[str, Any]]] = {}
    for e in mine:
        if e.get("type") in CHANGES:
            changes.setdefault(int(e["step"]), []).append(e)
    checkpoint = loaded.get("checkpoint")
    return Recording(
        folder=Path(folder), scene=loaded["scene"], source=str(loaded.get("scene_source")),
        checkpoint=None if checkpoint is None else Path(checkpoint),
        threads=loaded.get("threads"), continuation_seed=started.get("continuation_seed"),
        rounds=[e for e in mine if e.get("type") == "round_begin"], changes=changes,
        recorded_val={int(e["epoch"]): float(e["val_acc"]) for e in mine
                      if e.get("type") == "epoch" and e.get("val_acc") is not None})


def _targets(trainer: Any, targets: dict[str, Any] | None) -> None:
    if targets is None:
        trainer.set_targets(None)
    else:
        trainer.set_targets(np.asarray(targets["centers"], np.float32),
                            np.asarray(targets["spreads"], np.float32))


def replay(recording: Recording, seed: int | None = None, scene_override: Path | None = None,
           device: str | None = None, threads: int | None = None) -> list[dict[str, Any]]:
    """Train the recorded rounds again; per-epoch metrics (with the recorded val_acc)."""
    from hill_arcade.config import load_scene, scene_from_dict
    from hill_arcade.data import load_dataset
    from hill_arcade.training.checkpoint import restore
    from hill_arcade.training.trainer import Trainer, TrainerHooks

    scene = (load_scene(scene_override) if scene_override is not None
             else scene_from_dict(recording.scene, recording.source))
    if threads is not None or recording.threads is not None:
        runtime = dataclasses.replace(scene.runtime, threads=threads or recording.threads)
        scene = dataclasses.replace(scene, runtime=runtime)
    trainer = Trainer(scene, load_dataset(scene.dataset, scene.runtime.seed), device=device)
    if recording.checkpoint is not None:
        if not recording.checkpoint.is_file():
            raise HillError(f"{recording.checkpoint}: the session's starting checkpoint is "
                            "missing")
        restore(trainer, recording.checkpoint)
    reseed = seed if seed is not None else recording.continuation_seed
    if reseed is not None:
        trainer.reseed(reseed)

    def between_batches() -> None:
        for change in recording.changes.pop(trainer.step, []):
            if change["type"] == "targets_applied":
                _targets(trainer, change.get("targets"))
            else:
                trainer.alpha, trainer.lam = float(change["alpha"]), float(change["lam"])
                trainer.set_lr(float(change["lr"]))

    trainer.hooks = TrainerHooks(between_batches=between_batches)
    rows: list[dict[str, Any]] = []
    for rnd in recording.rounds:
        _targets(trainer, rnd.get("targets"))
        trainer.alpha, trainer.lam = float(rnd["alpha"]), float(rnd["lam"])
        trainer.set_lr(float(rnd["lr"]))
        for _ in range(int(rnd["epochs"])):
            m = trainer.train_epoch()
            rows.append({"epoch": m["epoch"], "val_acc": m["val_acc"],
                         "recorded_val_acc": recording.recorded_val.get(int(m["epoch"])),
                         "baseline_val_acc": m.get("baseline_val_acc"),
                         "human": m.get("human"), "ce": m.get("ce")})
    rows.append({"test": trainer.evaluate_test()})
    return rows


def write_outputs(recording: Recording, rows: list[dict[str, Any]], out: Path,
                  seed: int | None) -> dict[str, Any]:
    """metrics.csv and summary.json in `out`; returns the summary."""
    out.mkdir(parents=True, exist_ok=True)
    test = rows[-1]["test"]
    epochs = rows[:-1]
    with open(out / "metrics.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in epochs:
            writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in COLUMNS})
    gaps = [abs(r["val_acc"] - r["recorded_val_acc"]) for r in epochs
            if r["recorded_val_acc"] is not None]
    summary = {"source": str(recording.folder), "seed": seed,
               "continuation_seed": recording.continuation_seed, "epochs": len(epochs),
               "final_val_acc": epochs[-1]["val_acc"] if epochs else None,
               "recorded_final_val_acc": epochs[-1]["recorded_val_acc"] if epochs else None,
               "max_abs_delta_val_pp": 100.0 * max(gaps) if gaps else None,
               "test_acc": test.get("test_acc"), "baseline_test_acc": test.get("baseline_test_acc")}
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register `replay` on the CLI's subcommands."""
    p = sub.add_parser("replay", help="re-run a recorded session headless (same targets and "
                                      "settings at the same steps)")
    p.add_argument("session", type=Path, help="session folder with events.jsonl")
    p.add_argument("--seed", type=int, default=None,
                   help="reseed the continuation (shuffling, dropout); default: as recorded")
    p.add_argument("--scene", type=Path, default=None,
                   help="scene file instead of the recorded one")
    p.add_argument("--out", type=Path, default=None,
                   help="output folder (default: SESSION/replay[-sK])")
    return p


def cmd_replay(args: argparse.Namespace) -> int:
    recording = read_recording(args.session)
    out = args.out or args.session / ("replay" if args.seed is None else f"replay-s{args.seed}")
    rows = replay(recording, args.seed, args.scene, getattr(args, "device", None),
                  getattr(args, "threads", None))
    summary = write_outputs(recording, rows, out, args.seed)
    for row in rows[:-1]:
        rec = row["recorded_val_acc"]
        shown = "-" if rec is None else f"{rec:.4f}"
        print(f"epoch {row['epoch']:4d}  val_acc {row['val_acc']:.4f}  recorded {shown}")
    gap = summary["max_abs_delta_val_pp"]
    print(f"max |val_acc - recorded| = {'-' if gap is None else f'{gap:.2f} pp'}; "
          f"written to {out}")
    return 0 if gap is None or math.isfinite(gap) else 1
