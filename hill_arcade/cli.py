"""Command line: `hill-arcade [run] [SCENE]`, `train`, `data`, `study`, `kiosk`, `report`, ...

Heavy imports (torch, pygame) happen inside the command that needs them so `--help` is instant
and the window's splash can appear before torch has loaded. Everything a user can get wrong
ends here as one line `hill-arcade: error: ...` and exit status 2 (see :func:`main`); errors
known before a window opens (no display, a missing device, a bad checkpoint) are found first.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from pathlib import Path
from typing import NoReturn

from hill_arcade.errors import ConfigError, HillError, one_line

DEFAULT_SCENE = "digits"
_SETTING_RE = re.compile(r"(dataset|model|optimizer|hill|schedule|runtime|ui|kiosk|study)"
                         r"\.[\w.\[\]]+: ")
MAX_THREADS = 1024
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors (`hill-arcade: error: ...`, status 2) and suggestions."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            message = _suggest_options(self, message.split(":", 1)[1].split()) or message
        print(f"hill-arcade: error: {message} (see: {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def _suggest_options(parser: argparse.ArgumentParser, extras: list[str]) -> str | None:
    """`unknown option '--log-dri'; did you mean '--log-dir'?` for the first unknown option."""
    known = [o for a in parser._actions for o in a.option_strings]  # noqa: SLF001
    for extra in extras:
        if extra.startswith("-"):
            name = extra.split("=", 1)[0]
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return f"unknown option '{name}'{hint}"
    return f"unexpected argument '{extras[0]}'" if extras else None


def positive_threads(text: str) -> int:
    """argparse type for `--threads`: an integer in 1..MAX_THREADS."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if not 1 <= value <= MAX_THREADS:
        raise argparse.ArgumentTypeError(f"expected an integer in 1..{MAX_THREADS}, got {text}")
    return value


def add_runtime_options(parser: argparse.ArgumentParser) -> None:
    """`--device` and `--threads`: every command that trains registers them through here."""
    parser.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default=None,
                        help="override the scene's runtime.device")
    parser.add_argument("--threads", type=positive_threads, default=None,
                        help="torch CPU threads (default: cores - 1, leaving one for drawing)")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="hill-arcade",
        description="Drag a classifier's 2D latent space while it trains (the HILL method). "
                    "With no command, opens the default digits scene.")
    sub = parser.add_subparsers(dest="command", parser_class=ArgumentParser)

    run = sub.add_parser("run", help="open a scene in the interactive window (default)")
    _add_scene_options(run, optional=True)
    run.add_argument("--log-dir", type=Path, default=None,
                     help="session log folder (default: ./hill-runs/<timestamp>/)")
    run.add_argument("--checkpoint", type=Path, default=None, help="start from this checkpoint")
    run.add_argument("--from-scratch", action="store_true",
                     help="start at epoch 0 instead of the scene's pretrained model (cached)")

    train = sub.add_parser("train", help="pretrain headless, writing checkpoints and metrics.csv")
    _add_scene_options(train, optional=False)
    train.add_argument("--epochs", type=int, default=None,
                       help="epochs to train (default: the scene's schedule.pretrain_epochs)")
    train.add_argument("--out", type=Path, default=None,
                       help="output folder (default: runs/<scene file stem>/)")
    train.add_argument("--resume", type=Path, default=None, help="continue from a checkpoint")

    data = sub.add_parser("data", help="check or download a dataset")
    data.add_argument("name", choices=["digits", "cifar10", "pamap2", "mnist1d"])
    data.add_argument("--download", action="store_true", help="download it (cifar10 only)")
    data.add_argument("--root", default=None, help="dataset folder (default: ./data/NAME)")
    from hill_arcade.kiosk.app import add_parser as add_kiosk_parser

    add_kiosk_parser(sub)
    from hill_arcade.study.runner import add_parser as add_study_parser

    add_study_parser(sub)
    from hill_arcade.analysis.compare import add_parser as add_compare_parser
    from hill_arcade.analysis.export import add_parser as add_export_parser

    add_compare_parser(sub)
    add_export_parser(sub)
    from hill_arcade.analysis.simulate import add_parser as add_simulate_parser

    add_simulate_parser(sub)
    from hill_arcade.analysis.replay import add_parser as add_replay_parser

    add_runtime_options(add_replay_parser(sub))
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
    add_runtime_options(parser)


def with_runtime(scene, args: argparse.Namespace):  # noqa: ANN001, ANN201 (lazy config types)
    """`scene` with `--device` / `--threads` from `args` applied (when given)."""
    import dataclasses

    runtime = scene.runtime
    if getattr(args, "device", None) is not None:
        runtime = dataclasses.replace(runtime, device=args.device)
    if getattr(args, "threads", None) is not None:
        runtime = dataclasses.replace(runtime, threads=args.threads)
    return dataclasses.replace(scene, runtime=runtime)


def _scene(args: argparse.Namespace):  # noqa: ANN202
    from hill_arcade.config import load_scene, resolve_scene

    return with_runtime(load_scene(resolve_scene(args.scene)), args)


def require_display() -> None:
    """HillError unless a window can be shown: on Linux, DISPLAY, WAYLAND_DISPLAY or an
    explicit SDL_VIDEODRIVER (tests use `dummy`); otherwise SDL would fall back to an
    invisible offscreen window and the app would run unseen until killed."""
    if not sys.platform.startswith("linux"):
        return
    if os.environ.get("SDL_VIDEODRIVER") or os.environ.get("DISPLAY") \
            or os.environ.get("WAYLAND_DISPLAY"):
        return
    raise HillError("no display found; set DISPLAY (or WAYLAND_DISPLAY) or run headless "
                    "commands (train, simulate, data, report)")


def check_device(scene) -> None:  # noqa: ANN001
    """Fail before any window opens if the scene asks for a device this machine lacks."""
    if scene.runtime.device == "auto":
        return  # always available; no torch import before the splash
    from hill_arcade.device import pick_device

    pick_device(scene.runtime.device)


def check_checkpoint(path: Path, scene) -> None:  # noqa: ANN001
    """Fail before any window opens if `path` is not a checkpoint this scene could start from."""
    from hill_arcade.training.checkpoint import check_fits_scene, load_checkpoint

    check_fits_scene(load_checkpoint(path), scene, path)


def cmd_train(args: argparse.Namespace) -> int:
    scene = _scene(args)  # scene and paths first: their errors need no torch import
    epochs = scene.schedule.pretrain_epochs if args.epochs is None else args.epochs
    if not 1 <= epochs <= 1_000_000:
        raise HillError(f"--epochs: expected an integer in 1..1000000, got {epochs}")
    out = args.out or Path("runs") / Path(scene.source).stem
    check_output_dir(out, "--out")
    check_device(scene)
    from hill_arcade.data import load_dataset
    from hill_arcade.training.checkpoint import restore
    from hill_arcade.training.headless import train_headless
    from hill_arcade.training.trainer import Trainer

    trainer = Trainer(scene, load_dataset(scene.dataset, scene.runtime.seed))
    if args.resume is not None:
        restore(trainer, args.resume)
    train_headless(scene, epochs, out, trainer=trainer)
    return 0


def check_output_dir(path: Path, option: str) -> None:
    """An output folder must be (or become) a writable directory; one line naming it if not."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise HillError(f"{option} {path}: exists and is not a folder")
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise HillError(f"{option} {path}: {probe} is a file, not a folder")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise HillError(f"{option} {path}: {probe} is not writable")


def cmd_data(args: argparse.Namespace) -> int:
    from hill_arcade.data import fetch_dataset

    print(fetch_dataset(args.name, args.root, args.download))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    scene = _scene(args)
    _before_window(scene, args)
    from hill_arcade.app import App

    App(scene, log_dir=args.log_dir, checkpoint=args.checkpoint,
        pretrained=not args.from_scratch).run()
    return 0


def _before_window(scene, args: argparse.Namespace) -> None:  # noqa: ANN001
    """The checks `run` and `kiosk` make before opening a window."""
    require_display()
    if getattr(args, "log_dir", None) is not None:
        check_output_dir(args.log_dir, "--log-dir")
    check_device(scene)
    if getattr(args, "checkpoint", None) is not None:
        check_checkpoint(args.checkpoint, scene)


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
    check_output_dir(args.out, "--out")
    for path in build_report(args.sessions, args.out, points, baselines):
        print(path)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from hill_arcade.analysis.compare import cmd_compare as run

    return run(args)


def cmd_replay(args: argparse.Namespace) -> int:
    from hill_arcade.analysis.replay import cmd_replay as run

    return run(args)


def cmd_export(args: argparse.Namespace) -> int:
    from hill_arcade.analysis.export import cmd_export as run

    return run(args)


def cmd_kiosk(args: argparse.Namespace) -> int:
    from hill_arcade.kiosk.app import kiosk_app
    from hill_arcade.kiosk.chord import AdminChord

    scene = _scene(args)
    AdminChord(list(scene.kiosk.admin_chord), scene.source)  # a chord nobody can press: fail now
    _before_window(scene, args)
    app = kiosk_app(scene, log_dir=args.log_dir, windowed=args.windowed,
                    pretrained=not args.from_scratch)
    app.run()
    if app.mode.exit_reason == "restart":  # hung trainer threads piled up: a fresh process
        print("hill-arcade kiosk: too many hung trainers; restarting", file=sys.stderr)
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, "-m", "hill_arcade", *sys.argv[1:]])
    return 0


def cmd_study(args: argparse.Namespace) -> int:
    from hill_arcade.study.runner import run_study

    if not getattr(args, "headless", False):
        require_display()
    return run_study(args)


COMMANDS = {"run": cmd_run, "train": cmd_train, "data": cmd_data, "study": cmd_study,
            "kiosk": cmd_kiosk, "report": cmd_report, "compare": cmd_compare,
            "export": cmd_export, "simulate": lambda args: args.handler(args),
            "replay": cmd_replay}


def _route(argv: list[str]) -> list[str]:
    """Insert `run` when the first word is a scene; reject a mistyped command with a hint."""
    if not argv or argv[0] in COMMANDS or argv[0] in ("-h", "--help"):
        return argv if argv else ["run"]
    first = argv[0]
    if first.startswith("-") or _looks_like_scene(first):
        return ["run", *argv]  # `hill-arcade [SCENE] [options]` opens the window
    close = difflib.get_close_matches(first, list(COMMANDS), n=1, cutoff=0.6)
    if close:
        raise HillError(f"unknown command '{first}'; did you mean '{close[0]}'?")
    from hill_arcade.config import bundled_scenes

    if difflib.get_close_matches(first, bundled_scenes(), n=1, cutoff=0.6):
        return ["run", *argv]  # a mistyped scene: `run` lists the bundled ones
    raise HillError(f"unknown command or scene '{first}' (commands: {', '.join(COMMANDS)}; "
                    f"bundled scenes: {', '.join(bundled_scenes())})")


def _looks_like_scene(word: str) -> bool:
    from hill_arcade.config import bundled_scenes

    return (word in bundled_scenes() or word.endswith((".yaml", ".yml")) or os.sep in word
            or Path(word).exists())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `hill-arcade` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        argv = _route(argv)
    except HillError as exc:
        print(f"hill-arcade: error: {exc}", file=sys.stderr)
        return 2
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:  # the command's own parser knows its options, so it can suggest the closest
        sub = next(a for a in parser._actions  # noqa: SLF001
                   if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
        sub.choices[args.command].error(f"unrecognized arguments: {' '.join(extras)}")
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("hill-arcade: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one place turns user-caused errors into a line
        message = _user_message(exc, args)
        if message is None:
            raise
        print(f"hill-arcade: error: {message}", file=sys.stderr)
        return 2


def _user_message(exc: BaseException, args: argparse.Namespace) -> str | None:
    """One line for an error a user caused; None for a bug (the traceback is then useful)."""
    source = _scene_source(args)
    if type(exc).__name__ == "NonFiniteLoss":
        return f"training diverged ({exc}); {_divergence_hint(args, source)}"
    message = one_line(exc)
    if message is None:
        return None
    if isinstance(exc, OSError) and not isinstance(exc, HillError) and exc.filename is None:
        target = getattr(args, "out", None) or getattr(args, "log_dir", None)
        if target is not None:  # e.g. a full disk reported by a buffered write: no filename
            message = f"{target}: {message}"
    if source and isinstance(exc, HillError) and not message.startswith(source) \
            and (isinstance(exc, ConfigError) or _SETTING_RE.match(message)):
        message = f"{source}: {message}"  # e.g. a model.params error raised building the model
    return message


def _divergence_hint(args: argparse.Namespace, source: str | None) -> str:
    try:
        opt = _scene(args).optimizer
        now = f" (now {opt.name}, lr {opt.lr:g})"
    except Exception:  # noqa: BLE001 - only a hint
        now = ""
    where = f" in {source}" if source else ""
    return f"lower optimizer.lr{now} or switch optimizer.name{where}"


def _scene_source(args: argparse.Namespace) -> str | None:
    scene = getattr(args, "scene", None)
    if not isinstance(scene, str):
        return None
    try:
        from hill_arcade.config import resolve_scene

        return str(resolve_scene(scene))
    except HillError:
        return None
