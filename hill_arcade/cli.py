"""Command line: `hill-arcade [run] [SCENE]`, `train`, `data`, `study`, `kiosk`, `report`.

Heavy imports (torch, pygame) happen inside the command that needs them so `--help` is instant
and the window's splash can appear before torch has loaded.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from hill_arcade.errors import HillError

DEFAULT_SCENE = "digits"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hill-arcade",
        description="Drag a classifier's 2D latent space while it trains (the HILL method). "
                    "With no command, opens the default digits scene.")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="open a scene in the interactive window (default)")
    _add_scene_options(run, optional=True)
    run.add_argument("--log-dir", type=Path, default=None,
                     help="session log folder (default: ./hill-runs/<timestamp>/)")
    run.add_argument("--checkpoint", type=Path, default=None, help="start from this checkpoint")

    train = sub.add_parser("train", help="pretrain headless, writing checkpoints and metrics.csv")
    _add_scene_options(train, optional=False)
    train.add_argument("--epochs", type=int, default=None,
                       help="epochs to train (default: the scene's schedule.pretrain_epochs)")
    train.add_argument("--out", type=Path, default=None,
                       help="output folder (default: runs/<scene file stem>/)")
    train.add_argument("--resume", type=Path, default=None, help="continue from a checkpoint")

    data = sub.add_parser("data", help="check or download a dataset")
    data.add_argument("name", choices=["digits", "cifar10", "pamap2"])
    data.add_argument("--download", action="store_true", help="download it (cifar10 only)")
    data.add_argument("--root", default=None, help="dataset folder (default: ./data/NAME)")
    from hill_arcade.kiosk.app import add_parser as add_kiosk_parser

    add_kiosk_parser(sub)
    from hill_arcade.study.runner import add_parser as add_study_parser

    add_study_parser(sub)
    report = sub.add_parser("report", help="accuracy figure + summary CSV from study sessions")
    report.add_argument("sessions", nargs="+", type=Path, help="study session folders")
    report.add_argument("--out", type=Path, default=Path("report"), help="output folder")
    report.add_argument("--points", default="25,30,35,40",
                        help="interaction epochs to mark (comma separated)")
    report.add_argument("--baseline", action="append", default=[], metavar="SCENARIO=CSV",
                        help="metrics.csv of an uninterrupted run for a scenario (repeatable)")
    return parser


def _add_scene_options(parser: argparse.ArgumentParser, optional: bool) -> None:
    if optional:
        parser.add_argument("scene", nargs="?", default=DEFAULT_SCENE,
                            help="scene YAML file or bundled scene name (default: digits)")
    else:
        parser.add_argument("scene", help="scene YAML file or bundled scene name")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=None,
                        help="override the scene's runtime.device")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: cores - 1, leaving one for drawing)")


def _scene(args: argparse.Namespace):
    import dataclasses

    from hill_arcade.config import load_scene, resolve_scene

    scene = load_scene(resolve_scene(args.scene))
    runtime = scene.runtime
    if args.device is not None:
        runtime = dataclasses.replace(runtime, device=args.device)
    if args.threads is not None:
        if args.threads < 1:
            raise HillError(f"--threads: expected a positive integer, got {args.threads}")
        runtime = dataclasses.replace(runtime, threads=args.threads)
    return dataclasses.replace(scene, runtime=runtime)


def cmd_train(args: argparse.Namespace) -> int:
    from hill_arcade.data import load_dataset
    from hill_arcade.training.checkpoint import restore
    from hill_arcade.training.headless import train_headless
    from hill_arcade.training.trainer import Trainer

    scene = _scene(args)
    epochs = scene.schedule.pretrain_epochs if args.epochs is None else args.epochs
    if epochs < 1:
        raise HillError(f"--epochs: expected a positive integer, got {epochs}")
    out = args.out or Path("runs") / Path(scene.source).stem
    trainer = Trainer(scene, load_dataset(scene.dataset, scene.runtime.seed))
    if args.resume is not None:
        restore(trainer, args.resume)
    train_headless(scene, epochs, out, trainer=trainer)
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from hill_arcade.data import fetch_dataset

    print(fetch_dataset(args.name, args.root, args.download))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    scene = _scene(args)
    from hill_arcade.app import App

    App(scene, log_dir=args.log_dir, checkpoint=args.checkpoint).run()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from hill_arcade.study.report import build_report

    try:
        points = [int(p) for p in args.points.split(",") if p.strip()]
    except ValueError:
        raise HillError(f"--points: expected comma-separated epochs, got {args.points!r}") from None
    baselines = {}
    for item in args.baseline:
        scenario, sep, path = item.partition("=")
        if not sep or not scenario or not path:
            raise HillError(f"--baseline: expected SCENARIO=PATH, got {item!r}")
        baselines[scenario] = path
    for path in build_report(args.sessions, args.out, points, baselines):
        print(path)
    return 0


def cmd_kiosk(args: argparse.Namespace) -> int:
    from hill_arcade.kiosk.app import run_kiosk

    return run_kiosk(args)


def cmd_study(args: argparse.Namespace) -> int:
    from hill_arcade.study.runner import run_study

    return run_study(args)


COMMANDS = {"run": cmd_run, "train": cmd_train, "data": cmd_data, "study": cmd_study,
            "kiosk": cmd_kiosk, "report": cmd_report}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `hill-arcade` console script; returns the exit status."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]  # `hill-arcade [SCENE] [options]` opens the window
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except HillError as exc:
        print(f"hill-arcade: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hill-arcade: interrupted", file=sys.stderr)
        return 130
