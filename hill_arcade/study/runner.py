"""`hill-arcade study`: one participant's session (paper §4.1) driven through the App.

Per scenario: restore the pretrained checkpoint, let the participant edit and start each
round (epochs = gap to the next interaction point), save a checkpoint at every point, then
the questionnaire. Every event goes to the session's events.jsonl (fsynced per event).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from hill_arcade.config import SceneConfig
from hill_arcade.errors import HillError
from hill_arcade.eventlog import read_csv
from hill_arcade.input import InputEvent
from hill_arcade.mode import Mode
from hill_arcade.session_log import SessionLog, default_log_dir
from hill_arcade.shared import Command, CommandKind
from hill_arcade.study.session import StudySession, pretrained_checkpoint
from hill_arcade.study.timing import (
    format_remaining,
    scenario_countdown,
    session_countdown,
    time_limit_action,
)

BASELINE_CSV = "baseline_metrics.csv"


# ---- logging ---------------------------------------------------------------------------

class StudyLog:
    """The App's log in a study: writes to the app's own log and to the session's
    events.jsonl (epochs also to metrics.csv), then tells the controller. Every write happens
    on the UI thread (trainer events arrive through the session's per-frame poll)."""

    def __init__(self, inner: Any, session: StudySession, scenario: str,
                 on_event: Callable[[str, dict[str, Any]], None]) -> None:
        self.inner = inner
        self.session = session
        self.scenario = scenario
        self.on_event = on_event
        self.dir = inner.dir
        self.path = inner.path

    def write(self, type_: str, **fields: Any) -> None:
        """Log to both files (an epoch's metrics also to metrics.csv), then notify."""
        if type_ == "epoch" and fields.get("val_acc") is not None:
            self.session.log_metrics(self.scenario, "hill", int(fields["epoch"]),
                                     float(fields["val_acc"]), fields.get("ce"),
                                     fields.get("train_loss"))
        self.inner.write(type_, **fields)
        self.session.log(type_, **{"scenario": self.scenario, **fields})
        self.on_event(type_, fields)

    def event(self, event: dict[str, Any]) -> None:
        """Log an event dict that carries its own ``type``."""
        fields = dict(event)
        self.write(str(fields.pop("type", "event")), **fields)

    def close(self) -> None:
        self.inner.close()


# ---- per-scenario controller -----------------------------------------------------------

class StudyMode(Mode):
    """Study hooks: the status bar, a locked round length, no scene picker."""

    name = "study"
    allow_scene_picker = False
    locked_settings = frozenset({"epochs_per_round"})

    def __init__(self, controller: ScenarioController) -> None:
        self.controller = controller

    def attach(self, app: Any) -> None:
        from hill_arcade.views.study import StudyBar

        app.push(StudyBar(app, self.controller))
        self.controller.attach(app)  # a resumed questionnaire opens above the bar

    def round_epochs(self, requested: int) -> int:
        return self.controller.round_epochs(requested)

    # quitting: Esc does nothing; the experimenter chord (or closing the window) asks first
    quit_needs_chord = True

    def on_key(self, event: Any) -> bool:
        from hill_arcade.views.confirm import is_quit_chord, request_quit

        if is_quit_chord(event):
            request_quit(self.controller.app, "chord")
            return True
        return False

    def quit_message(self) -> str:
        """What the experimenter reads before ending the session early."""
        return ("Everything up to the last finished round is saved. Resume later with: "
                + self.controller.runner.resume_command())


class ScenarioController:
    """Drives one scenario in one App: rounds, checkpoints, time limits, questionnaire."""

    def __init__(self, runner: StudyRunner, scene: SceneConfig, scenario: str,
                 stage: str) -> None:
        self.runner = runner
        self.app: Any = None
        self.session = runner.session
        self.scenario = scenario
        self.stage = stage  # interact | round | saving | questionnaire | done
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.target_epoch: int | None = None
        self.saving_path: Path | None = None
        self.announced = False
        self.limit_hit = False
        self.scenario_done = False
        s = self.session.state
        clock = self.session.clock
        self.countdowns = [scenario_countdown(scene.study, s.scenario_started_at or clock(),
                                              clock),
                           session_countdown(scene.study, s.started_at, clock)]

    def attach(self, app: Any) -> None:
        """The scenario's App exists (its window and log)."""
        self.app = app
        if self.stage == "questionnaire":
            self.open_questionnaire()

    def round_epochs(self, requested: int) -> int:
        """A round trains up to the next interaction point (the paper's schedule)."""
        play = self.app.play if self.app is not None else None
        if play is None or play.snapshot is None or self.stage != "interact":
            return requested
        s = self.session.state
        start = s.interaction_points[min(s.point_index, len(s.interaction_points) - 1)]
        return max(1, self.session.round_end_epoch() - max(int(play.snapshot.epoch), start))

    # events from StudyLog (UI thread) ---------------------------------------------------
    def on_log(self, type_: str, fields: dict[str, Any]) -> None:
        self.events.append((type_, fields))

    def _drain(self) -> None:
        events, self.events = self.events, []
        for type_, fields in events:
            if type_ == "round_start" and self.stage == "interact":
                self.stage = "round"
                self.target_epoch = self.session.round_end_epoch()
            elif type_ == "round_end" and self.stage == "round":
                epoch = int(fields.get("epoch", 0))
                if self.target_epoch is not None and epoch >= self.target_epoch:
                    self._save(epoch)
                else:
                    self.stage = "interact"  # stopped short: the rest is the next round
            elif type_ == "error" and self.stage == "round":
                self.stage = "interact"

    # per frame ------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        self._drain()
        play = self.app.play
        if play is None or self.stage in ("result", "questionnaire", "done"):
            return
        if self.stage == "interact":
            point = self.session.state.point_index
            start = self.session.state.interaction_points[point]
            epoch = int(play.snapshot.epoch) if play.snapshot is not None else start
            target = self.session.round_end_epoch()
            if not self.announced:
                self.announced = True
                self.session.log("interaction_point", scenario=self.scenario,
                                 point_index=point, epoch=epoch, round_end_epoch=target)
        elif self.stage == "saving":
            assert self.saving_path is not None
            if self.saving_path.exists():
                self.stage = "interact"
                self.announced = False
                self.session.log("checkpoint_saved", scenario=self.scenario,
                                 path=self.saving_path)
                self.session.complete_round()
                if self.limit_hit:
                    self._end_if_needed()
                    self.open_questionnaire()
                elif self.session.state.point_index >= len(
                        self.session.state.interaction_points):
                    self.show_result()  # the participant sees the last round's result first
                return
        self._check_limits()

    def _save(self, epoch: int) -> None:
        self.saving_path = self.session.checkpoint_path(self.scenario, epoch)
        self.app.session.send(Command(CommandKind.SAVE, self.saving_path))
        self.stage = "saving"

    def _check_limits(self) -> None:
        if self.limit_hit:
            return
        action = time_limit_action(self.app.scene_cfg.study, *self.countdowns)
        if action is None:
            return
        self.limit_hit = True
        self.session.log("time_limit", scenario=self.scenario, action=action, stage=self.stage)
        if action == "end_scenario" and self.stage == "round":
            self.app.session.send(Command(CommandKind.PAUSE))
        if action == "end_scenario" or self.stage == "interact":
            self._end_if_needed()
            self.open_questionnaire()
        # finish_round during a round: the questionnaire follows its checkpoint

    def _end_if_needed(self) -> None:
        s = self.session.state
        if s.point_index < len(s.interaction_points):
            self.session.end_scenario_early("time_limit")

    def show_result(self) -> None:
        """After the last round: its result stays on screen (a panel at the bottom, the
        projection and chart above it) until the participant continues to the questionnaire."""
        from hill_arcade.views.confirm import Choice, ConfirmView

        self.stage = "result"
        play = self.app.play
        metrics = play.snapshot.metrics if play is not None and play.snapshot else {}
        epoch = int(play.snapshot.epoch) if play is not None and play.snapshot else None
        acc = metrics.get("val_acc")
        self.session.log("result_shown", scenario=self.scenario, epoch=epoch, val_acc=acc)
        done = f"All {len(self.session.state.interaction_points)} rounds are done."
        if acc is not None:
            done += f" Final validation accuracy: {float(acc):.1%} (epoch {epoch})."
        self.app.push(ConfirmView(
            self.app, "Final result", done + " Take a look, then continue.",
            [Choice("Continue to questionnaire", self.open_questionnaire, (), "enter")],
            kind="result", anchor="bottom", shade=False))

    def open_questionnaire(self) -> None:
        """Show the questionnaire pages above everything else."""
        from hill_arcade.views.questionnaire import QuestionnaireView

        self.stage = "questionnaire"
        self.session.log("questionnaire_started", scenario=self.scenario)
        self.app.push(QuestionnaireView(self.app, self.finish_questionnaire,
                                        self.runner.questionnaires))

    def finish_questionnaire(self, answers: dict[str, float]) -> None:
        """Store the scores; close this scenario (thank-you screen after the last)."""
        from hill_arcade.views.study import MessageView

        self.session.complete_questionnaire(answers)
        self.stage = "done"
        self.scenario_done = True
        if self.session.state.finished:
            self.session.log("session_finished")
            self.app.push(MessageView(self.app, "Thank you!",
                                      "The study is complete. Please tell the experimenter."))
        else:
            self.app.running = False

    # input / display ------------------------------------------------------------------
    def handle(self, event: InputEvent) -> bool:
        """Input goes to the play view unless a checkpoint is being saved."""
        self._drain()  # a round that just ended must not be followed by another unsaved one
        if self.stage in ("saving", "done") or self.app.play is None:
            return self.stage == "saving"
        return bool(self.app.play.handle(event))

    def status(self) -> str:
        s = self.session.state
        if self.stage in ("questionnaire", "done"):
            return ""
        if self.stage == "result":
            return f"{self.scenario}: all rounds done - final result"
        n = len(s.interaction_points)
        k = min(s.point_index, n - 1)
        left = min(cd.remaining() for cd in self.countdowns)
        parts = [f"{self.scenario}: interaction {k + 1}/{n}"]
        if self.stage == "round":
            parts.append(f"training to epoch {self.target_epoch}")
        elif self.stage == "saving":
            parts.append("saving...")
        else:
            parts.append("edit, then start the round")
        if left != float("inf"):
            parts.append(f"time left {format_remaining(left)}")
        return "   |   ".join(parts)


# ---- the runner ------------------------------------------------------------------------

class StudyRunner:
    """Opens one App per scenario for a session; `run()` goes through all of them."""

    def __init__(self, session: StudySession, scenes: Mapping[str, SceneConfig],
                 pretrained: Path | Mapping[str, Path], *, headless: bool = False,
                 worker_factory: Any = None, log_dir: Path | None = None,
                 baseline: bool = True, questionnaires: Any = None) -> None:
        self.session = session
        self.scenes = dict(scenes)
        self.pretrained = pretrained
        self.headless = headless
        self.worker_factory = worker_factory
        self.log_dir = log_dir
        self.baseline = baseline
        self.questionnaires = questionnaires
        self.controller: ScenarioController | None = None
        self.resume_args = ""  # command-line options a resume needs besides the participant

    def resume_command(self) -> str:
        """The command that continues this session after it was ended early."""
        return (f"hill-arcade study --participant {self.session.state.participant} --resume"
                + self.resume_args)

    def pretrained_path(self, scenario: str) -> Path:
        """`<pretrained>/<scenario>/epoch_NNN.pt` (N = the scene's pretrain_epochs)."""
        if isinstance(self.pretrained, Mapping):
            return Path(self.pretrained[scenario])
        epochs = self.scenes[scenario].schedule.pretrain_epochs
        return pretrained_checkpoint(Path(self.pretrained) / scenario, epochs)

    def open(self) -> Any | None:
        """Open the App for where the session stands; None once it is finished."""
        from hill_arcade.app import App

        where = self.session.resume_point()
        if where.stage == "done" or where.scenario is None:
            return None
        scenario = where.scenario
        scene = study_scene(self.scenes[scenario])
        if where.point_index == 0 and where.stage == "interact":
            self.session.start_scenario(self.pretrained_path(scenario))
            where = self.session.resume_point()
        if self.baseline:
            ensure_baseline(self.session, scenario, scene, Path(self.session.state.pretrained
                                                                 [scenario]))
        checkpoint = where.checkpoint
        controller = ScenarioController(self, scene, scenario, where.stage)
        log = StudyLog(SessionLog(self.log_dir or default_log_dir()), self.session, scenario,
                       controller.on_log)
        self.session.log("scenario_opened", scenario=scenario, stage=where.stage,
                         point_index=where.point_index, checkpoint=checkpoint)
        app = App(scene, log=log, headless=self.headless, worker_factory=self.worker_factory,
                  checkpoint=checkpoint, mode=StudyMode(controller))
        self.controller = controller
        return app

    def run(self) -> int:
        """Run every remaining scenario; 0 when finished, 1 if the window was closed early."""
        while True:
            app = self.open()
            if app is None:
                self.session.close()
                return 0
            app.run()
            assert self.controller is not None
            if not self.controller.scenario_done:
                self.session.log("session_interrupted", scenario=self.controller.scenario)
                self.session.close()
                return 1
            if self.session.state.finished:
                self.session.close()
                return 0


def study_scene(scene: SceneConfig) -> SceneConfig:
    """The scene as a study runs it: the paper's loss, whole-layout targets and a fixed α
    unless the scene's ``study.hill`` is ``scene``."""
    if scene.study.hill != "paper":
        return scene
    return dataclasses.replace(scene, hill=dataclasses.replace(
        scene.hill, loss="paper", targets="layout", adaptive="off"))


# ---- baseline continuation -------------------------------------------------------------

def baseline_epochs(session: StudySession, scene: SceneConfig) -> int:
    """Epochs the HILL continuation trains after the pretrained checkpoint."""
    points = session.state.interaction_points
    return session.round_end_epoch(len(points) - 1) - scene.schedule.pretrain_epochs


def ensure_baseline(session: StudySession, scenario: str, scene: SceneConfig,
                    pretrained: Path) -> Path:
    """Train the no-human continuation once (beside the checkpoint); copy it into metrics.csv."""
    out = pretrained.parent / BASELINE_CSV
    if not out.exists():
        from hill_arcade.data import load_dataset
        from hill_arcade.training.checkpoint import restore
        from hill_arcade.training.headless import train_headless
        from hill_arcade.training.trainer import Trainer

        trainer = Trainer(scene, load_dataset(scene.dataset, scene.runtime.seed))
        restore(trainer, pretrained)
        epochs = max(1, session.round_end_epoch(len(session.state.interaction_points) - 1)
                     - trainer.epoch)
        with tempfile.TemporaryDirectory(dir=pretrained.parent) as tmp:
            train_headless(scene, epochs, Path(tmp), trainer=trainer)
            shutil.move(str(Path(tmp) / "metrics.csv"), str(out))
        session.log("baseline_computed", scenario=scenario, path=out, epochs=epochs)
    mine = session.folder / "metrics.csv"
    if not (mine.exists() and any(r["scenario"] == scenario and r["phase"] == "baseline"
                                  for r in read_csv(mine))):
        for row in read_csv(out):
            session.log_metrics(scenario, "baseline", int(float(row["epoch"])),
                                float(row["val_acc"]), _num(row.get("ce")),
                                _num(row.get("train_loss")))
    return out


def _num(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


# ---- command line ----------------------------------------------------------------------

def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `study` to the `hill-arcade` subcommands."""
    p = sub.add_parser("study", help="run a user-study session for one participant")
    p.add_argument("--participant", required=True, help="participant id, e.g. P07")
    p.add_argument("--scenarios", default="digits,cifar10,pamap2",
                   help="comma-separated scene names (default: digits,cifar10,pamap2)")
    p.add_argument("--order", default=None,
                   help="comma-separated order overriding the counterbalanced one")
    p.add_argument("--out", type=Path, default=Path("study"), help="sessions folder")
    p.add_argument("--pretrained", type=Path, default=Path("runs"),
                   help="folder with <scenario>/epoch_025.pt (default: runs)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted session")
    p.add_argument("--no-baseline", action="store_true",
                   help="skip the no-human baseline continuation")
    p.add_argument("--headless", action="store_true", help=argparse.SUPPRESS)
    from hill_arcade.cli import add_runtime_options

    add_runtime_options(p)


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def load_scenes(names: list[str]) -> dict[str, SceneConfig]:
    """Scene configs by name from the scenes/ folder (or a path to a .yaml)."""
    from hill_arcade import SCENES_DIR
    from hill_arcade.config import load_scene

    scenes = {}
    for name in names:
        path = Path(name) if name.endswith((".yaml", ".yml")) else SCENES_DIR / f"{name}.yaml"
        scenes[path.stem] = load_scene(path)
    return scenes


def resume_options(args: argparse.Namespace) -> str:
    """The options of this `study` command a `--resume` needs again (non-default ones)."""
    opts = []
    if args.scenarios != "digits,cifar10,pamap2":
        opts += ["--scenarios", args.scenarios]
    if Path(args.out) != Path("study"):
        opts += ["--out", str(args.out)]
    if Path(args.pretrained) != Path("runs"):
        opts += ["--pretrained", str(args.pretrained)]
    if args.no_baseline:
        opts.append("--no-baseline")
    return "".join(f" {shlex.quote(o)}" if not o.startswith("--") else f" {o}" for o in opts)


def run_study(args: argparse.Namespace) -> int:
    """The `study` command; returns the exit status."""
    try:
        from hill_arcade.study.preflight import preflight_study

        scenes = preflight_study(args)  # data, checkpoints, baselines: before any window
        if args.resume:
            session = StudySession.resume(args.out, args.participant)
            missing = [s for s in session.state.order if s not in scenes]
            scenes.update(load_scenes(missing))
        else:
            first = next(iter(scenes.values()))
            session = StudySession.create(
                args.out, args.participant, list(scenes), _split(args.order),
                first.schedule.interaction_points, first.schedule.epochs_per_round)
        runner = StudyRunner(session, scenes, args.pretrained,
                             headless=bool(getattr(args, "headless", False)),
                             baseline=not args.no_baseline)
        runner.resume_args = resume_options(args)
        status = runner.run()
        if status == 1:  # ended early: tell the researcher how to go on
            print(f"hill-arcade study: session {args.participant} interrupted; resume with:\n"
                  f"  {runner.resume_command()}", file=sys.stderr)
        return status
    except HillError as exc:
        print(f"hill-arcade study: {exc}", file=sys.stderr)
        return 2
