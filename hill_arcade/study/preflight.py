"""Checks a study makes before any window opens (issue 10, item 2).

Every scenario the session still has to run needs its dataset, its pretrained checkpoint (a
readable one that fits the scene) and, unless `--no-baseline`, its baseline continuation.
Everything missing is reported at once, as one line with the commands that fix it; missing
baselines are computed here (headless, with a progress bar) so the participant never waits
for one mid-session.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from hill_arcade.config import SceneConfig, bundled_scenes, load_scene
from hill_arcade.errors import HillError
from hill_arcade.study.session import (
    SESSION_FILE,
    SessionLock,
    participant_number,
    pretrained_checkpoint,
    read_state,
)


def preflight_study(args: argparse.Namespace) -> dict[str, SceneConfig]:
    """Validate a `study` command line and everything its scenarios need; returns the scenes
    (with `--device` / `--threads` applied) by scenario name. HillError (one line) if not."""
    from hill_arcade.cli import check_device, check_output_dir, with_runtime

    participant_number(args.participant)
    check_output_dir(args.out, "--out")
    names = _split(args.scenarios)
    if not names:
        raise HillError(f"--scenarios: expected comma-separated scene names, got "
                        f"{args.scenarios!r}")
    points: list[int] | None = None
    epochs_per_round = 0
    todo = names
    if args.resume:
        state = read_state(Path(args.out) / args.participant / SESSION_FILE)
        SessionLock.check(Path(args.out) / args.participant)  # before a long baseline
        todo = state.order[state.scenario_index:]
        names = list(dict.fromkeys([*names, *state.order]))
        points, epochs_per_round = state.interaction_points, state.epochs_per_round
        pretrained_saved = state.pretrained
    else:
        existing = Path(args.out) / args.participant / SESSION_FILE
        if existing.exists():
            raise HillError(f"{existing}: session already exists; continue it with --resume "
                            f"or choose another --participant")
        pretrained_saved = {}
    scenes = {}
    for name in names:
        path = _scene_path(name)
        scenes[path.stem] = with_runtime(load_scene(path), args)
    if points is None:
        first = scenes[Path(names[0]).stem]
        points = first.schedule.interaction_points
        epochs_per_round = first.schedule.epochs_per_round
    todo = [Path(n).stem for n in todo]
    for scene in {s.runtime.device: s for s in (scenes[n] for n in todo)}.values():
        check_device(scene)
    problems: list[str] = []
    checkpoints: dict[str, Path] = {}
    for scenario in todo:
        scene = scenes[scenario]
        problem = dataset_problem(scene)
        if problem:
            problems.append(f"{scenario}: {problem}")
        saved = pretrained_saved.get(scenario)
        path = Path(saved) if saved else pretrained_checkpoint(
            Path(args.pretrained) / scenario, scene.schedule.pretrain_epochs)
        problem = checkpoint_problem(scenario, scene, path)
        if problem:
            problems.append(problem)
        else:
            checkpoints[scenario] = path
    if problems:
        raise HillError("the study cannot start: " + "; ".join(problems))
    if not args.no_baseline:
        end_epoch = points[-1] + epochs_per_round
        for scenario in todo:
            compute_baseline(scenes[scenario], checkpoints[scenario], end_epoch)
    return scenes


def _split(value: str | None) -> list[str]:
    return [] if value is None else [v.strip() for v in value.split(",") if v.strip()]


def _scene_path(name: str) -> Path:
    from hill_arcade import SCENES_DIR

    if name.endswith((".yaml", ".yml")):
        return Path(name)
    path = SCENES_DIR / f"{name}.yaml"
    if not path.is_file():
        raise HillError(f"--scenarios: unknown scenario {name!r} (bundled scenes: "
                        f"{', '.join(bundled_scenes())}; or give a .yaml path)")
    return path


def dataset_problem(scene: SceneConfig) -> str | None:
    """Why the scene's dataset cannot load, with the fixing command (files only, fast)."""
    from hill_arcade.data import default_root

    name = scene.dataset.name
    root = Path(scene.dataset.root).expanduser() if scene.dataset.root else default_root(name)
    if name == "cifar10":
        from hill_arcade.data import cifar10

        folder = cifar10.batches_dir(root)
        files = [cifar10.META_FILE, *cifar10.TRAIN_FILES, cifar10.TEST_FILE]
        missing = [f for f in files if not (folder / f).is_file()]
        if missing:
            return (f"CIFAR-10 data missing in {folder} ({', '.join(missing[:2])}"
                    f"{'...' if len(missing) > 2 else ''}); fix: {cifar10.fetch_command(root)}")
    elif name == "pamap2":
        from hill_arcade.data import pamap2

        folder = pamap2.find_protocol_dir(root)
        if folder is None:
            return f"PAMAP2 data missing: {pamap2.not_found_message(root)}"
        params = scene.dataset.params
        ids = [*params.train_subjects, *params.val_subjects, *params.test_subjects]
        missing = [f"subject{i}.dat" for i in ids if not (folder / f"subject{i}.dat").is_file()]
        if missing:
            return f"PAMAP2 files missing in {folder}: {', '.join(missing)}"
    return None


def checkpoint_problem(scenario: str, scene: SceneConfig, path: Path) -> str | None:
    """Why `path` cannot start this scenario, with the command that (re)creates it."""
    from hill_arcade.training.checkpoint import check_fits_scene, load_checkpoint

    fix = (f"fix: hill-arcade train {_shown(scene.source)} --epochs "
           f"{scene.schedule.pretrain_epochs} --out {path.parent}")
    if not path.is_file():
        return f"{scenario}: pretrained checkpoint {path} not found; {fix}"
    try:
        check_fits_scene(load_checkpoint(path), scene, path)
    except HillError as exc:
        return f"{scenario}: {exc}; {fix}"
    return None


def _shown(path: str) -> str:
    """A path as a user would type it: relative to the working folder when inside it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def compute_baseline(scene: SceneConfig, pretrained: Path, end_epoch: int) -> Path:
    """Train the no-human continuation from `pretrained` to `end_epoch` once, leaving
    `baseline_metrics.csv` beside the checkpoint (where the study runner looks for it)."""
    from hill_arcade.study.runner import BASELINE_CSV

    out = pretrained.parent / BASELINE_CSV
    if out.exists():
        return out
    from hill_arcade.data import load_dataset
    from hill_arcade.training.checkpoint import restore
    from hill_arcade.training.headless import train_headless
    from hill_arcade.training.trainer import Trainer

    trainer = Trainer(scene, load_dataset(scene.dataset, scene.runtime.seed))
    restore(trainer, pretrained)
    epochs = max(1, end_epoch - trainer.epoch)
    print(f"hill-arcade study: computing the {scene.name} baseline ({epochs} epochs) before "
          f"the study opens", file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=pretrained.parent) as tmp:
        train_headless(scene, epochs, Path(tmp), trainer=trainer)
        shutil.move(str(Path(tmp) / "metrics.csv"), str(out))
    return out
