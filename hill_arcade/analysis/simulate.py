"""`hill-arcade simulate`: scripted participants play the study protocol headless.

Each run goes through the app's own path: a :class:`~hill_arcade.session.TrainingSession`
with the real background :class:`~hill_arcade.training.worker.TrainerWorker`; at every
interaction point the scripted participant edits the snapshot's display points in an
:class:`~hill_arcade.edits.EditState`, the targets come from ``edits.class_stats`` and the
round is started with ``run_round``. The trainer's lockstep baseline (and α-only control) run
beside the model, and the locked test split is evaluated once at the end.

Output per run, ``OUT/<strategy>-s<seed>/``: ``session.json``, ``events.jsonl``,
``metrics.csv`` (study columns plus ``baseline_val_acc`` … and a final ``test`` row with
``test_acc``, ``baseline_test_acc``) and ``summary.json``. `hill-arcade report` reads them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hill_arcade.analysis import recorded
from hill_arcade.analysis.strategies import STRATEGIES, check_strategy, play
from hill_arcade.cli import add_runtime_options
from hill_arcade.config import (
    ADAPTIVE_MODES,
    InsightConfig,
    SceneConfig,
    load_scene,
    resolve_scene,
)
from hill_arcade.errors import HillError

METRICS_COLUMNS = ["t", "participant", "scenario", "phase", "epoch", "val_acc", "val_loss",
                   "train_loss", "baseline_val_acc", "baseline_val_loss", "alpha_only_val_acc",
                   "delta_val_pp", "alpha_effective", "lockstep_cost", "test_acc",
                   "baseline_test_acc", "alpha_only_test_acc", "delta_test_pp"]
WAIT_S = 0.02
ROUND_TIMEOUT_S = 3600.0
EXECUTORS = ("local", "ray")


def run_label(strategy: str, adaptive: str = "off") -> str:
    """The strategy as `compare` groups it: `separate`, or `separate+shadow_gate` when an
    adaptive α was on (so fixed and adaptive runs of one sweep are separate rows)."""
    from hill_arcade.analysis.compare import with_adaptive

    return with_adaptive(recorded.label(strategy), adaptive)


def run_name(strategy: str, seed: int, adaptive: str = "off") -> str:
    """The run's folder name inside OUT."""
    return f"{run_label(strategy, adaptive)}-s{seed}"


def scene_for_run(scene_path: str | Path, seed: int, *, fixed_checkpoint: bool = False,
                  threads: int | None = None, device: str | None = None,
                  adaptive: str | None = None) -> SceneConfig:
    """The scene as a scripted run uses it: baseline and α-only twins on, `seed` applied,
    `adaptive` (if given) replacing the scene's `hill.adaptive`.

    With a fixed checkpoint the scene keeps its own seed (the checkpoint's data split) and
    `seed` only reseeds the continuation; otherwise `seed` seeds everything.
    """
    scene = load_scene(resolve_scene(scene_path))
    runtime = scene.runtime
    if not fixed_checkpoint:
        runtime = dataclasses.replace(runtime, seed=int(seed))
    if threads is not None:
        runtime = dataclasses.replace(runtime, threads=threads)
    if device is not None:
        runtime = dataclasses.replace(runtime, device=device)
    insight = InsightConfig(baseline="on", controls=["alpha_only"])
    hill = scene.hill if adaptive is None else dataclasses.replace(scene.hill, adaptive=adaptive)
    return dataclasses.replace(scene, runtime=runtime, insight=insight, hill=hill)


def run_one(scene_path: str | Path, strategy: str, seed: int, out_dir: str | Path, *,
            checkpoint: str | Path | None = None, threads: int | None = None,
            device: str | None = None, adaptive: str | None = None, progress: bool = True,
            position: int = 0) -> dict[str, Any]:
    """Play one scripted session; returns the summary written to `summary.json`.

    A pure top-level function of its arguments, so a process pool or Ray can map it.
    """
    check_strategy(strategy)
    scene = scene_for_run(scene_path, seed, fixed_checkpoint=checkpoint is not None,
                          threads=threads, device=device, adaptive=adaptive)
    points = list(scene.schedule.interaction_points)
    if not points:
        raise HillError(f"{scene.source}: schedule.interaction_points: simulate needs at least "
                        f"one interaction point")
    folder = Path(out_dir) / run_name(strategy, seed, scene.hill.adaptive)
    if (folder / "summary.json").exists() or (folder / "events.jsonl").exists():
        raise HillError(f"{folder}: a run is already there; choose another --out")
    if checkpoint is None:
        from hill_arcade.analysis.pretrain import ensure_pretrained

        checkpoint = ensure_pretrained(scene, points[0])
    return _Run(scene, strategy, int(seed), folder, Path(checkpoint),
                reseed=seed if scene.runtime.seed != seed else None).play(progress, position)


class _Run:
    """One scripted session: drives a TrainingSession and writes the study-format folder."""

    def __init__(self, scene: SceneConfig, strategy: str, seed: int, folder: Path,
                 checkpoint: Path, reseed: int | None) -> None:
        from hill_arcade.eventlog import CsvAppender
        from hill_arcade.session_log import SessionLog

        self.scene, self.seed = scene, seed
        self.strategy = recorded.label(strategy)  # as summary.json and compare name it
        self.recorded = (recorded.RecordedParticipant.load(strategy, Path(scene.source).stem)
                         if recorded.is_recorded(strategy) else None)
        self.folder, self.checkpoint, self.reseed = folder, checkpoint, reseed
        self.scenario = Path(scene.source).stem
        self.participant = run_name(strategy, seed, scene.hill.adaptive)
        folder.mkdir(parents=True, exist_ok=True)
        self.log = SessionLog(folder)
        self.metrics = CsvAppender(folder / "metrics.csv", METRICS_COLUMNS)
        self.epochs: list[dict[str, Any]] = []
        self.rng = np.random.default_rng(seed)

    def play(self, progress: bool, position: int) -> dict[str, Any]:
        from hill_arcade.session import TrainingSession

        started = time.time()
        self._write_session_json(finished=False)
        self.log.write("simulate_started", scene=self.scene.source, strategy=self.strategy,
                       seed=self.seed, checkpoint=str(self.checkpoint),
                       continuation_seed=self.reseed,
                       recorded_from=None if self.recorded is None else str(
                           self.recorded.folder))
        self._import_pretrain_rows()
        points = list(self.scene.schedule.interaction_points)
        total = points[-1] + self.scene.schedule.epochs_per_round - points[0]
        bar = _bar(total, f"{run_label(self.strategy, self.scene.hill.adaptive)} s{self.seed}",
                   progress, position)
        holder: dict[str, Any] = {}
        session = TrainingSession(self.scene, self.log, self._worker_factory(holder),
                                  checkpoint=self.checkpoint)
        session.subscribe(lambda event: self._on_event(event, bar))
        session.start()
        try:
            for k, point in enumerate(points):
                snapshot = _wait_idle(session, point)
                end = points[k + 1] if k + 1 < len(points) else (
                    point + self.scene.schedule.epochs_per_round)
                targets = (self._edit(snapshot, k) if self.recorded is None
                           else self._recorded_targets(session, snapshot, k))
                session.run_round(targets, end - snapshot.epoch, from_epoch=snapshot.epoch,
                                  point_index=k, scripted=self.strategy)
                _wait_round_end(session, end)
        finally:
            session.stop()
            bar.close()
        trainer = holder["worker"].trainer
        test = trainer.evaluate_test()
        self.log.write("test", **test)
        last = self.epochs[-1]
        self.metrics.append({
            "t": time.time(), "participant": self.participant, "scenario": self.scenario,
            "phase": "test", "epoch": last["epoch"], "test_acc": test["test_acc"],
            "baseline_test_acc": test.get("baseline_test_acc"),
            "alpha_only_test_acc": test.get("alpha_only_test_acc"),
            "delta_test_pp": test.get("delta_test_pp")})
        self.metrics.close()
        summary = self._summary(test, time.time() - started)
        _atomic_json(self.folder / "summary.json", summary)
        self._write_session_json(finished=True)
        self.log.write("simulate_finished", **{k: summary[k] for k in (
            "delta_test_pp", "delta_val_pp", "seconds")})
        self.log.close()
        return summary

    def _worker_factory(self, holder: dict[str, Any]):
        from hill_arcade.training.worker import TrainerWorker

        reseed = self.reseed

        class ScriptedWorker(TrainerWorker):
            def _load(self) -> None:
                super()._load()
                if reseed is not None and self.trainer is not None:
                    self.trainer.reseed(reseed)

        def factory(scene: SceneConfig, buffer: Any, checkpoint: Path | None) -> TrainerWorker:
            worker = ScriptedWorker(scene, buffer, checkpoint=checkpoint, live_every=0)
            holder["worker"] = worker
            return worker

        return factory

    def _edit(self, snapshot: Any, point_index: int) -> Any:
        from hill_arcade.edits import EditState

        edits = EditState(snapshot.points, snapshot.labels)
        num_classes = len(snapshot.class_names) or int(snapshot.labels.max()) + 1
        applied, targets = play(self.strategy, edits, snapshot.predictions, num_classes,
                                self.rng)
        for edit in applied:
            fields: dict[str, Any] = {"op": edit.op, "scripted": self.strategy}
            if edit.cls is not None:
                fields["class"] = edit.cls
            elif edit.point is not None:
                fields["point"] = edit.point
            fields["before"] = edit.before.mean(axis=0)
            fields["after"] = edit.after.mean(axis=0)
            self.log.write("edit", **fields)
        return targets

    def _recorded_targets(self, session: Any, snapshot: Any, point_index: int) -> Any:
        """The recorded participant's round, carried onto this run's layout (recorded.py)."""
        from hill_arcade.edits import class_stats

        assert self.recorded is not None
        num_classes = len(snapshot.class_names) or int(snapshot.labels.max()) + 1
        centers, spreads = class_stats(snapshot.points, snapshot.labels, num_classes)
        targets, info = self.recorded.targets_for(point_index, centers, spreads)
        session.set(alpha=info["alpha"], lam=info["lam"])
        self.log.write("recorded_targets", **info, targets=None if targets is None else {
            "centers": targets.centers, "spreads": targets.spreads})
        return targets

    def _on_event(self, event: dict[str, Any], bar: Any) -> None:
        if event.get("type") == "error":
            raise HillError(f"{self.folder}: training failed: {event.get('message')}")
        if event.get("type") != "epoch":
            return
        self.epochs.append(dict(event))
        bar.update(1)
        if "val_acc" in event:
            bar.set_postfix(val=f"{event['val_acc']:.3f}",
                            base=f"{event.get('baseline_val_acc', float('nan')):.3f}")
        row = {"t": time.time(), "participant": self.participant, "scenario": self.scenario,
               "epoch": event["epoch"]}
        self.metrics.append({**row, "phase": "hill", "val_acc": event["val_acc"],
                             "val_loss": event["ce"], "train_loss": event["train_loss"],
                             **{k: event.get(k) for k in (
                                 "baseline_val_acc", "alpha_only_val_acc", "delta_val_pp",
                                 "alpha_effective", "lockstep_cost")},
                             "baseline_val_loss": event.get("baseline_ce")})
        if "baseline_val_acc" in event:  # so `report` draws the baseline curve
            self.metrics.append({**row, "phase": "baseline",
                                 "val_acc": event["baseline_val_acc"],
                                 "val_loss": event.get("baseline_ce")})

    def _import_pretrain_rows(self) -> None:
        from hill_arcade.study.session import checkpoint_epoch, read_train_metrics

        csv_path = self.checkpoint.parent / "metrics.csv"
        if not csv_path.is_file():
            return
        up_to = checkpoint_epoch(self.checkpoint)
        for epoch, acc in read_train_metrics(csv_path):
            if up_to is None or epoch <= up_to:
                self.metrics.append({"t": time.time(), "participant": self.participant,
                                     "scenario": self.scenario, "phase": "pretrain",
                                     "epoch": epoch, "val_acc": acc})

    def _summary(self, test: dict[str, Any], seconds: float) -> dict[str, Any]:
        last = self.epochs[-1]
        costs = [e["lockstep_cost"] for e in self.epochs if "lockstep_cost" in e]
        return {
            "strategy": self.strategy, "seed": self.seed, "scene": self.scene.source,
            "scenario": self.scenario, "checkpoint": str(self.checkpoint),
            "continuation_seed": self.reseed, "alpha": self.scene.hill.alpha,
            "lam": self.scene.hill.lam, "adaptive": self.scene.hill.adaptive,
            "interaction_points": list(self.scene.schedule.interaction_points),
            "final_epoch": last["epoch"],
            "val_acc": last["val_acc"], "baseline_val_acc": last.get("baseline_val_acc"),
            "alpha_only_val_acc": last.get("alpha_only_val_acc"),
            "delta_val_pp": last.get("delta_val_pp"),
            "delta_val_by_epoch": {str(e["epoch"]): e["delta_val_pp"] for e in self.epochs
                                   if e.get("delta_val_pp") is not None},
            "test_acc": test["test_acc"], "baseline_test_acc": test.get("baseline_test_acc"),
            "alpha_only_test_acc": test.get("alpha_only_test_acc"),
            "delta_test_pp": test.get("delta_test_pp"),
            "delta_test_alpha_only_pp": (None if "alpha_only_test_acc" not in test else
                                         100.0 * (test["alpha_only_test_acc"]
                                                  - test["baseline_test_acc"])),
            "lockstep_cost_mean": float(np.mean(costs)) if costs else None,
            "seconds": round(seconds, 2),
        }

    def _write_session_json(self, finished: bool) -> None:
        from hill_arcade.study.session import SessionState

        now = time.time()
        points = list(self.scene.schedule.interaction_points)
        state = SessionState(
            participant=self.participant, number=self.seed, scenarios=[self.scenario],
            order=[self.scenario], order_source="override", interaction_points=points,
            epochs_per_round=self.scene.schedule.epochs_per_round,
            scenario_index=1 if finished else 0, point_index=len(points) if finished else 0,
            pretrained={self.scenario: str(self.checkpoint)}, started_at=now, updated_at=now)
        _atomic_json(self.folder / "session.json", dataclasses.asdict(state))


def _bar(total: int, desc: str, enabled: bool, position: int) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="epoch", disable=not enabled, position=position,
                leave=True, dynamic_ncols=True)


def _wait_idle(session: Any, epoch: int) -> Any:
    """Poll the session until the trainer is idle with a snapshot at `epoch`."""
    from hill_arcade.shared import TrainerState

    deadline = time.monotonic() + ROUND_TIMEOUT_S
    while time.monotonic() < deadline:
        session.poll()
        progress, snapshot = session.progress(), session.latest()
        if progress.state in (TrainerState.ERROR, TrainerState.STOPPED):
            raise HillError(f"trainer {progress.state.value}: {progress.error or progress.message}")
        if (progress.state is TrainerState.IDLE and snapshot is not None
                and snapshot.epoch == epoch and not snapshot.live):
            return snapshot
        time.sleep(WAIT_S)
    raise HillError(f"trainer did not reach epoch {epoch} within {ROUND_TIMEOUT_S:.0f} s")


def _wait_round_end(session: Any, epoch: int) -> None:
    from hill_arcade.shared import TrainerState

    deadline = time.monotonic() + ROUND_TIMEOUT_S
    while time.monotonic() < deadline:
        for event in session.poll():
            if event.get("type") == "round_end":
                return
        if session.progress().state is TrainerState.ERROR:
            session.poll()
            raise HillError(f"round failed: {session.progress().error}")
        time.sleep(WAIT_S)
    raise HillError(f"round to epoch {epoch} did not finish within {ROUND_TIMEOUT_S:.0f} s")


def _atomic_json(path: Path, data: Any) -> None:
    from hill_arcade.eventlog import _plain
    from hill_arcade.study.session import atomic_write_json

    atomic_write_json(path, _plain(data))


# ---- many runs ------------------------------------------------------------------------------

def run_many(scene_path: str | Path | Sequence[str | Path], strategies: Sequence[str],
             seeds: Sequence[int], out_dir: str | Path, *, executor: str = "local",
             jobs: int = 1, checkpoint: str | Path | None = None, device: str | None = None,
             threads: int | None = None, address: str | None = None,
             adaptive: Sequence[str | None] = (None,)) -> list[dict[str, Any]]:
    """Every (scene, strategy, adaptive α, seed) run: one after another in this process
    (`jobs` = 1), in a local process pool (`jobs` > 1) or as Ray tasks (`executor="ray"`).
    Several scenes write into `out_dir/<scene file stem>/`, one scene into `out_dir`.
    `adaptive` None keeps the scene's `hill.adaptive`."""
    scenes = ([scene_path] if isinstance(scene_path, (str, Path)) else list(scene_path))
    stems = [Path(resolve_scene(p)).stem for p in scenes]
    if len(set(stems)) < len(stems):
        raise HillError(f"simulate: two scenes share a file name ({', '.join(stems)}); "
                        "their runs would share a folder")
    if checkpoint is not None and len(scenes) > 1:
        raise HillError("--checkpoint: one checkpoint cannot start several scenes")
    for name in strategies:
        check_strategy(name)
    for mode in adaptive:
        if mode is not None and mode not in ADAPTIVE_MODES:
            raise HillError(f"--adaptive: expected one of {', '.join(ADAPTIVE_MODES)}, "
                            f"got {mode!r}")
    if executor not in EXECUTORS:
        raise HillError(f"--executor: expected one of {', '.join(EXECUTORS)}, got {executor!r}")
    folders = ([str(out_dir)] if len(scenes) == 1
               else [str(Path(out_dir) / stem) for stem in stems])
    tasks = [{"scene_path": str(path), "strategy": s, "seed": int(seed), "out_dir": folder,
              "adaptive": mode}
             for path, folder in zip(scenes, folders, strict=True)
             for s in strategies for mode in adaptive for seed in seeds]
    common = {"checkpoint": checkpoint, "device": device}
    if checkpoint is None:  # pretrain each seed once, before runs of several strategies race
        from hill_arcade.analysis.pretrain import ensure_pretrained

        for path in scenes:
            for seed in dict.fromkeys(int(s) for s in seeds):
                scene = scene_for_run(path, seed, device=device)
                ensure_pretrained(scene, scene.schedule.interaction_points[0])
    if executor == "ray":
        return _run_ray(tasks, common, address)
    if jobs <= 1 or len(tasks) == 1:
        return [run_one(**t, threads=threads, **common) for t in tasks]
    import concurrent.futures
    import multiprocessing

    per_job = threads or max(1, (os.cpu_count() or 1) // jobs)
    with concurrent.futures.ProcessPoolExecutor(
            jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(run_one, **t, **common, threads=per_job, position=i % jobs)
                   for i, t in enumerate(tasks)]
        return [f.result() for f in futures]


def _run_ray(tasks: list[dict[str, Any]], common: dict[str, Any],
             address: str | None) -> list[dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise HillError("--executor ray: the ray package is not installed "
                        "(pip install 'hill-arcade[ray]')") from None
    if not ray.is_initialized():
        ray.init(address=address) if address else ray.init(num_cpus=os.cpu_count() or 1)
    remote = ray.remote(num_cpus=1)(run_one)
    refs = [remote.remote(**t, **common, threads=1, progress=False) for t in tasks]
    return list(ray.get(refs))


def read_summaries(out_dir: str | Path) -> list[dict[str, Any]]:
    """Every `summary.json` below `out_dir` (one per run)."""
    return [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(Path(out_dir).glob("*/summary.json"))]


def summary_table(summaries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per strategy (and adaptive α): n, mean Δ test and Δ val vs the same-seed baseline (pp)
    with 95 % CI half-widths (Student t over seeds; the Δ is already paired by seed)."""
    from hill_arcade.analysis.compare import summarise

    def label(s: dict[str, Any]) -> str:
        return run_label(s["strategy"], s.get("adaptive", "off"))

    rows = []
    for name in dict.fromkeys(label(s) for s in summaries):
        group = [s for s in summaries if label(s) == name]
        row: dict[str, Any] = {"strategy": name, "n": len(group)}
        for key in ("delta_test_pp", "delta_val_pp", "delta_test_alpha_only_pp"):
            stat = summarise([s[key] for s in group if s.get(key) is not None])
            short = key.removesuffix("_pp")
            row[f"{short}_mean"] = float("nan") if stat.mean is None else stat.mean
            row[f"{short}_ci95"] = (float("nan") if stat.ci_high is None
                                    else stat.ci_high - stat.mean)
        rows.append(row)
    return rows


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The summary table as aligned text (pp, mean ± 95 % CI half-width)."""
    def cell(mean: float, half: float) -> str:
        return f"{mean:+.2f} ± {half:.2f}" if np.isfinite(half) else f"{mean:+.2f}"

    lines = [f"{'strategy':<24} {'n':>3}  {'Δ test pp (95% CI)':>20}  {'Δ val pp (95% CI)':>20}"]
    for r in rows:
        lines.append(f"{r['strategy']:<24} {r['n']:>3}  "
                     f"{cell(r['delta_test_mean'], r['delta_test_ci95']):>20}  "
                     f"{cell(r['delta_val_mean'], r['delta_val_ci95']):>20}")
    return "\n".join(lines)


# ---- command line ---------------------------------------------------------------------------

def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register `simulate` on the CLI's subparsers."""
    p = sub.add_parser("simulate", help="scripted participants play the study protocol headless")
    p.add_argument("scene", nargs="+",
                   help="scene YAML file(s) or bundled scene name(s); several scenes write "
                        "into OUT/<scene file stem>/")
    p.add_argument("--strategy", action="append", required=True,
                   help=f"one of {', '.join(STRATEGIES)} (repeatable; comma separated)")
    p.add_argument("--seeds", type=int, default=1, help="number of seeds (0..N-1; default 1)")
    p.add_argument("--seed-start", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--out", type=Path, default=Path("simulate"), help="output folder")
    p.add_argument("--checkpoint", type=Path, default=None,
                   help="start every run from this checkpoint (seeds then vary only the "
                        "continuation); default: pretrain per seed, cached")
    p.add_argument("--executor", choices=EXECUTORS, default="local",
                   help="local: this process or a process pool (--jobs); ray: Ray tasks")
    p.add_argument("--jobs", type=int, default=1, help="local worker processes (default 1)")
    p.add_argument("--address", default=None, help="Ray cluster address (with --executor ray)")
    p.add_argument("--adaptive", action="append", default=None,
                   help=f"adaptive α: {', '.join(ADAPTIVE_MODES)} (repeatable, comma separated: "
                        "one run per mode and seed; default: the scene's hill.adaptive)")
    add_runtime_options(p)
    p.add_argument("--noise-band", action="store_true",
                   help="with null/random: store the no-information band beside --checkpoint")
    p.set_defaults(handler=cmd_simulate)
    return p


def cmd_simulate(args: argparse.Namespace) -> int:
    strategies = [s.strip() for item in args.strategy for s in item.split(",") if s.strip()]
    if args.seeds < 1:
        raise HillError(f"--seeds: expected a positive integer, got {args.seeds}")
    if args.jobs < 1:
        raise HillError(f"--jobs: expected a positive integer, got {args.jobs}")
    if args.checkpoint is not None and not args.checkpoint.is_file():
        raise HillError(f"{args.checkpoint}: checkpoint not found")
    adaptive: list[str | None] = [None]
    if args.adaptive:
        adaptive = [m.strip() for item in args.adaptive for m in item.split(",") if m.strip()]
    seeds = list(range(args.seed_start, args.seed_start + args.seeds))
    if args.noise_band and len(args.scene) > 1:
        raise HillError("--noise-band: one scene at a time (a band belongs to one checkpoint)")
    summaries = run_many(args.scene, strategies, seeds, args.out, executor=args.executor,
                         jobs=args.jobs, checkpoint=args.checkpoint, device=args.device,
                         threads=args.threads, address=args.address, adaptive=adaptive)
    print(format_table(summary_table(summaries)))
    for s in summaries:
        name = run_name(s["strategy"], s["seed"], s.get("adaptive", "off"))
        print(f"{name}: Δ test {s['delta_test_pp']:+.2f} pp, "
              f"Δ val {s['delta_val_pp']:+.2f} pp ({s['seconds']:.0f} s)")
    if args.noise_band:
        from hill_arcade.analysis.noise import write_band

        if args.checkpoint is None:
            raise HillError("--noise-band: needs --checkpoint (the band is stored beside it)")
        path = write_band(args.checkpoint, summaries, args.scene[0])
        print(f"noise band: {path}")
    print(f"runs: {args.out}")
    return 0
