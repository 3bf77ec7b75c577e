"""Study sessions: participant folder, counterbalanced scenario order, resumable state.

Layout of `<out>/<participant>/`: `session.json` (state, rewritten atomically after every
change), `events.jsonl`, `metrics.csv`, `questionnaires.csv`, `checkpoints/<scenario>/`.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hill_arcade.errors import HillError, SessionLockedError
from hill_arcade.eventlog import CsvAppender, EventLog, fsync_dir, read_csv
from hill_arcade.study.questionnaires import Questionnaires, score, score_columns

DEFAULT_SCENARIOS = ("cifar10", "pamap2")
DEFAULT_POINTS = (25, 30, 35, 40)
SESSION_FILE = "session.json"
METRICS_COLUMNS = ["t", "participant", "scenario", "phase", "epoch", "val_acc", "val_loss",
                   "train_loss"]
PHASES = ("pretrain", "baseline", "hill")
_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
LOCK_FILE = "session.lock"


def participant_number(participant: str) -> int:
    """The number in a participant id (`P07` -> 7); HillError if it has none."""
    if not _ID_RE.fullmatch(participant):  # fullmatch: `$` would accept "P07\n"
        raise HillError(f"--participant: expected letters, digits, '-' or '_' (e.g. P07), "
                        f"got {participant!r}")
    digits = re.findall(r"\d+", participant)
    if not digits:
        raise HillError(f"--participant: expected an id with a number (e.g. P07), "
                        f"got {participant!r}")
    return int(digits[-1])


def williams_rows(n: int) -> list[list[int]]:
    """Rows of a Williams (balanced) Latin square for n conditions (2n rows when n is odd)."""
    first, lo, hi = [0], 1, n - 1
    while len(first) < n:
        first.append(lo)
        lo += 1
        if len(first) < n:
            first.append(hi)
            hi -= 1
    rows = [[(c + r) % n for c in first] for r in range(n)]
    if n % 2:
        rows += [list(reversed(row)) for row in rows]
    return rows


def counterbalanced_order(scenarios: Sequence[str], number: int) -> list[str]:
    """Scenario order for participant `number` (1-based).

    Up to 4 scenarios cycle through all permutations (so P01..P06 see each of the 3! orders
    of three scenarios once, and each of the 2 orders of two scenarios three times); more
    scenarios use the rows of a Williams balanced Latin square.
    """
    items = list(scenarios)
    if len(set(items)) != len(items) or not items:
        raise HillError(f"--scenarios: expected distinct scenario names, got {items}")
    if len(items) <= 4:
        orders = [list(p) for p in itertools.permutations(items)]
    else:
        orders = [[items[i] for i in row] for row in williams_rows(len(items))]
    return orders[(number - 1) % len(orders)]


def atomic_write_json(path: Path, data: Any) -> None:
    """Write JSON via a temp file + fsync + rename, so readers see the old or the new file."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def checkpoint_epoch(path: str | Path) -> int | None:
    """Epoch encoded in a checkpoint name like `epoch_025.pt`, else None."""
    match = re.fullmatch(r"epoch_(\d+)\.pt", Path(path).name)
    return int(match.group(1)) if match else None


def pretrained_checkpoint(out_dir: str | Path, epochs: int = 25) -> Path:
    """Where `hill-arcade train ... --epochs N --out DIR` leaves its final checkpoint."""
    return Path(out_dir) / f"epoch_{epochs:03d}.pt"


def read_train_metrics(path: str | Path) -> list[tuple[int, float]]:
    """(epoch, val_acc) from a `hill-arcade train` metrics.csv; the last row per epoch wins."""
    points: dict[int, float] = {}
    for row in read_csv(path):
        try:
            points[int(float(row["epoch"]))] = float(row["val_acc"])
        except (KeyError, TypeError, ValueError):
            continue
    return sorted(points.items())


def require_pretrained(scene_name: str, path: str | Path) -> Path:
    """Return `path` if the pretrained checkpoint exists, else raise HillError with the fix."""
    path = Path(path)
    if path.is_file():
        return path
    out = path.parent if str(path.parent) not in ("", ".") else Path("runs") / scene_name
    raise HillError(f"pretrained checkpoint for scene '{scene_name}' not found at {path}; "
                    f"create it with: hill-arcade train scenes/{scene_name}.yaml --epochs 25 "
                    f"--out {out}")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0
    return True


def _locked(folder: Path, pid: int | None) -> SessionLockedError:
    return SessionLockedError(f"{folder}: session is in use by another hill-arcade process "
                              f"(pid {pid}, lock {folder / LOCK_FILE}); close that one first",
                              pid)


class SessionLock:
    """`<folder>/session.lock` holding the owner's pid, so two processes never write one
    session. With `fcntl` the lock is an flock, released by the kernel when its process dies
    (a killed process never blocks a resume); without it, a lock whose pid is dead is stale
    and taken over. Re-entrant within one process (tests open a session twice)."""

    _held: dict[Path, tuple[int, int]] = {}  # folder -> (fd, count), this process

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).resolve()
        self.path = self.folder / LOCK_FILE
        self.took_over_from: int | None = None
        self._released = False
        held = SessionLock._held.get(self.folder)
        if held is not None:
            SessionLock._held[self.folder] = (held[0], held[1] + 1)
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            previous = self._read_pid(fd)
            if not self._try_lock(fd, previous):
                os.close(fd)
                raise _locked(self.folder, previous)
            if previous is not None and previous != os.getpid():
                self.took_over_from = previous  # its process is gone: a stale lock
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            os.fsync(fd)
        except SessionLockedError:
            raise
        except BaseException:
            os.close(fd)
            raise
        SessionLock._held[self.folder] = (fd, 1)

    @classmethod
    def check(cls, folder: Path) -> None:
        """SessionLockedError if another live process holds `folder`'s lock; takes nothing
        and changes nothing (a stale pid stays for the real lock to report)."""
        folder = Path(folder).resolve()
        if folder in cls._held:
            return
        try:
            fd = os.open(folder / LOCK_FILE, os.O_RDWR)
        except OSError:
            return  # no lock file: nobody holds it
        try:
            previous = cls._read_pid(fd)
            if not cls._try_lock(fd, previous):
                raise _locked(folder, previous)
        finally:
            os.close(fd)  # also drops an flock taken just now

    @staticmethod
    def _read_pid(fd: int) -> int | None:
        try:
            return int(os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "x")
        except ValueError:
            return None

    @staticmethod
    def _try_lock(fd: int, previous: int | None) -> bool:
        try:
            import fcntl
        except ImportError:  # no flock (Windows): trust the pid
            return previous is None or previous == os.getpid() or not _pid_alive(previous)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def release(self) -> None:
        """Give the lock up (the last holder in this process removes the file)."""
        if self._released:
            return
        self._released = True
        held = SessionLock._held.get(self.folder)
        if held is None:
            return
        fd, count = held
        if count > 1:
            SessionLock._held[self.folder] = (fd, count - 1)
            return
        del SessionLock._held[self.folder]
        self.path.unlink(missing_ok=True)
        os.close(fd)


@dataclass
class SessionState:
    """Everything `session.json` holds."""

    participant: str
    number: int
    scenarios: list[str]
    order: list[str]
    order_source: str  # "counterbalanced" | "override"
    interaction_points: list[int]
    epochs_per_round: int
    scenario_index: int = 0
    point_index: int = 0  # next interaction point to perform in the current scenario
    completed_questionnaires: list[str] = field(default_factory=list)
    pretrained: dict[str, str] = field(default_factory=dict)
    started_at: float = 0.0
    scenario_started_at: float | None = None
    updated_at: float = 0.0
    version: int = 1

    @property
    def finished(self) -> bool:
        """True once every scenario's questionnaire is done."""
        return self.scenario_index >= len(self.order)


def read_state(path: Path) -> SessionState:
    """Read and validate `session.json`: each field's type and range; one line if not."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HillError(f"{path}: no session to resume (start one without --resume)") from None
    except IsADirectoryError:
        raise HillError(f"{path}: expected the session file, got a folder") from None
    except UnicodeDecodeError:
        raise HillError(f"{path}: unreadable session file (not UTF-8 text)") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise HillError(f"{path}: unreadable session file ({exc})") from None
    if not isinstance(data, dict):
        raise HillError(f"{path}: expected a JSON object, got {type(data).__name__}")
    try:
        state = SessionState(**data)
    except TypeError as exc:
        raise HillError(f"{path}: unexpected session file contents ({exc})") from None
    _check_state(state, path)
    return state


def _check_state(s: SessionState, path: Path) -> None:
    def bad(key: str, expected: str, got: Any) -> HillError:
        return HillError(f"{path}: {key}: expected {expected}, got {got!r}"[:300])

    def is_int(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    def is_num(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    if not isinstance(s.participant, str) or not _ID_RE.fullmatch(s.participant):
        raise bad("participant", "a participant id", s.participant)
    for key in ("scenarios", "order", "completed_questionnaires"):
        value = getattr(s, key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad(key, "a list of scenario names", value)
    if not s.order:
        raise bad("order", "at least one scenario", s.order)
    if sorted(s.order) != sorted(set(s.order)):
        raise bad("order", "distinct scenario names", s.order)
    points = s.interaction_points
    if not isinstance(points, list) or not points or not all(is_int(p) and p > 0 for p in points) \
            or points != sorted(set(points)):
        raise bad("interaction_points", "increasing positive epochs", points)
    if not is_int(s.epochs_per_round) or not 1 <= s.epochs_per_round <= 10000:
        raise bad("epochs_per_round", "an integer in 1..10000", s.epochs_per_round)
    if not is_int(s.scenario_index) or not 0 <= s.scenario_index <= len(s.order):
        raise bad("scenario_index", f"an integer in 0..{len(s.order)}", s.scenario_index)
    if not is_int(s.point_index) or not 0 <= s.point_index <= len(points):
        raise bad("point_index", f"an integer in 0..{len(points)}", s.point_index)
    if not is_int(s.number) or s.number < 0:
        raise bad("number", "a participant number", s.number)
    if not isinstance(s.pretrained, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in s.pretrained.items()):
        raise bad("pretrained", "a mapping of scenario to checkpoint path", s.pretrained)
    for key in ("started_at", "updated_at"):
        if not is_num(getattr(s, key)):
            raise bad(key, "a time in seconds", getattr(s, key))
    if s.scenario_started_at is not None and not is_num(s.scenario_started_at):
        raise bad("scenario_started_at", "a time in seconds or null", s.scenario_started_at)
    if not isinstance(s.order_source, str):
        raise bad("order_source", "a string", s.order_source)


@dataclass(frozen=True)
class ResumePoint:
    """Where to continue: `stage` is "interact", "questionnaire" or "done"."""

    stage: str
    scenario: str | None
    scenario_index: int
    point_index: int
    epoch: int | None
    checkpoint: Path | None


class StudySession:
    """One participant's study session folder and its persisted progress."""

    def __init__(self, folder: Path, state: SessionState,
                 clock: Callable[[], float] = time.time,
                 questionnaires: Questionnaires | None = None) -> None:
        self.folder = folder
        self.state = state
        self._clock = clock
        self._questionnaires = questionnaires
        self._events: EventLog | None = None
        self._metrics: CsvAppender | None = None
        self._answers: CsvAppender | None = None
        self._lock: SessionLock | None = None

    @property
    def clock(self) -> Callable[[], float]:
        """The session's time source (injected in tests)."""
        return self._clock

    # ---- creation / resume -------------------------------------------------------------

    @classmethod
    def create(cls, out: str | Path, participant: str,
               scenarios: Sequence[str] = DEFAULT_SCENARIOS,
               order: Sequence[str] | None = None,
               interaction_points: Sequence[int] = DEFAULT_POINTS,
               epochs_per_round: int = 5,
               clock: Callable[[], float] = time.time,
               questionnaires: Questionnaires | None = None) -> StudySession:
        """Start a new session in `<out>/<participant>/`; HillError if one already exists.

        `order` overrides the counterbalanced order (it must be a permutation of `scenarios`).
        """
        number = participant_number(participant)
        scenarios = list(scenarios)
        computed = counterbalanced_order(scenarios, number)
        if order is not None:
            order = list(order)
            if sorted(order) != sorted(scenarios):
                raise HillError(f"--order: expected a permutation of {scenarios}, got {order}")
        points = [int(p) for p in interaction_points]
        if not points or points != sorted(set(points)):
            raise HillError(f"interaction points: expected increasing epochs, got {points}")
        folder = Path(out) / participant
        if (folder / SESSION_FILE).exists():
            raise HillError(f"{folder / SESSION_FILE}: session already exists; continue it with "
                            f"--resume or choose another --participant")
        folder.mkdir(parents=True, exist_ok=True)
        lock = SessionLock(folder)
        if (folder / SESSION_FILE).exists():  # created by another process meanwhile
            lock.release()
            raise HillError(f"{folder / SESSION_FILE}: session already exists; continue it "
                            f"with --resume or choose another --participant")
        now = clock()
        state = SessionState(
            participant=participant, number=number, scenarios=scenarios,
            order=order if order is not None else computed,
            order_source="override" if order is not None else "counterbalanced",
            interaction_points=points, epochs_per_round=int(epochs_per_round),
            started_at=now, updated_at=now,
        )
        session = cls(folder, state, clock, questionnaires)
        session._lock = lock
        session.save()
        session.log("session_created", order=state.order, order_source=state.order_source,
                    counterbalanced_order=computed)
        return session

    @classmethod
    def resume(cls, out: str | Path, participant: str,
               clock: Callable[[], float] = time.time,
               questionnaires: Questionnaires | None = None) -> StudySession:
        """Reload `<out>/<participant>/session.json`; see `resume_point()` for where to go on."""
        participant_number(participant)  # the same check as on create: no paths, no "\n"
        folder = Path(out) / participant
        path = folder / SESSION_FILE
        state = read_state(path)
        if state.participant != participant:
            raise HillError(f"{path}: participant: expected {participant!r} (the folder's), "
                            f"got {state.participant!r}")
        lock = SessionLock(folder)
        session = cls(folder, state, clock, questionnaires)
        session._lock = lock
        if lock.took_over_from is not None:
            session.log("lock_taken_over", stale_pid=lock.took_over_from)
        session._complete_answered_questionnaire()
        where = session.resume_point(validate=True)
        if where.stage == "interact" and where.point_index != state.point_index:
            state.point_index = where.point_index  # rewind past a missing checkpoint
            session.save()
        session.log("session_resumed", stage=where.stage, scenario=where.scenario,
                    point_index=where.point_index, epoch=where.epoch,
                    checkpoint=where.checkpoint)
        return session

    def _complete_answered_questionnaire(self) -> None:
        """A kill between the questionnaire row and the state update: the row completes it."""
        scenario = self.current_scenario
        s = self.state
        if scenario is None or s.point_index < len(s.interaction_points):
            return
        if self._answered(scenario):
            self._advance_after_questionnaire(scenario)
            self.log("questionnaire_recovered", scenario=scenario)

    def _answered(self, scenario: str) -> bool:
        path = self.folder / "questionnaires.csv"
        return path.is_file() and any(
            r.get("participant") == self.state.participant and r.get("scenario") == scenario
            for r in read_csv(path))

    # ---- paths and persistence ---------------------------------------------------------

    @property
    def session_file(self) -> Path:
        """`<folder>/session.json`."""
        return self.folder / SESSION_FILE

    def checkpoint_path(self, scenario: str, epoch: int) -> Path:
        """`<folder>/checkpoints/<scenario>/epoch_NNN.pt` (model state at the end of `epoch`)."""
        return self.folder / "checkpoints" / scenario / f"epoch_{int(epoch):03d}.pt"

    def save(self) -> None:
        """Persist the state atomically (temp file + rename)."""
        self.state.updated_at = self._clock()
        atomic_write_json(self.session_file, asdict(self.state))

    # ---- logs --------------------------------------------------------------------------

    def log(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Append an event to `events.jsonl`."""
        if self._events is None:
            self._events = EventLog(self.folder / "events.jsonl", clock=self._clock)
            log = self._events
            if log.recovered is not None or log.quarantined is not None:
                log.append({"type": "log_recovered",
                            "dropped_bytes": 0 if log.recovered is None else len(log.recovered),
                            "quarantined_lines": [n for n, _ in log.bad_lines],
                            "quarantine": None if log.quarantined is None
                            else str(log.quarantined)})
        return self._events.append({"type": type_, **fields})

    def log_metrics(self, scenario: str, phase: str, epoch: int, val_acc: float,
                    val_loss: float | None = None, train_loss: float | None = None) -> None:
        """Append one epoch's validation result to `metrics.csv`."""
        if phase not in PHASES:
            raise ValueError(f"phase: expected one of {PHASES}, got {phase!r}")
        if self._metrics is None:
            self._metrics = CsvAppender(self.folder / "metrics.csv", METRICS_COLUMNS)
        self._metrics.append({"t": self._clock(), "participant": self.state.participant,
                              "scenario": scenario, "phase": phase, "epoch": int(epoch),
                              "val_acc": val_acc, "val_loss": val_loss,
                              "train_loss": train_loss})

    def close(self) -> None:
        """Close the log files."""
        for f in (self._events, self._metrics, self._answers):
            if f is not None:
                f.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # ---- progress ----------------------------------------------------------------------

    @property
    def current_scenario(self) -> str | None:
        """The scenario being worked on, None when the session is finished."""
        s = self.state
        return None if s.finished else s.order[s.scenario_index]

    def start_scenario(self, pretrained: str | Path) -> None:
        """Record the current scenario's (existing) pretrained checkpoint and start its clock."""
        scenario = self._require_scenario()
        path = require_pretrained(scenario, pretrained)
        self.state.pretrained[scenario] = str(path)
        if self.state.scenario_started_at is None:
            self.state.scenario_started_at = self._clock()
        self.save()
        imported = self.import_pretrain_metrics(scenario, path.parent / "metrics.csv",
                                                checkpoint_epoch(path))
        self.log("scenario_started", scenario=scenario, pretrained=path,
                 pretrain_rows=imported)

    def import_pretrain_metrics(self, scenario: str, train_csv: Path,
                                up_to_epoch: int | None = None) -> int:
        """Copy a `hill-arcade train` metrics.csv (epoch, val_acc, ...) into metrics.csv as
        `pretrain` rows, once per scenario; returns the number of rows added."""
        if not train_csv.is_file():
            return 0
        mine = self.folder / "metrics.csv"
        if mine.exists() and any(r["scenario"] == scenario and r["phase"] == "pretrain"
                                 for r in read_csv(mine)):
            return 0
        curve = read_train_metrics(train_csv)
        rows = [(e, a) for e, a in curve if up_to_epoch is None or e <= up_to_epoch]
        for epoch, acc in rows:
            self.log_metrics(scenario, "pretrain", epoch, acc)
        return len(rows)

    def round_end_epoch(self, point_index: int | None = None) -> int:
        """Epoch at which the round after interaction `point_index` ends (its checkpoint)."""
        s = self.state
        k = s.point_index if point_index is None else point_index
        points = s.interaction_points
        return points[k + 1] if k + 1 < len(points) else points[-1] + s.epochs_per_round

    def complete_round(self) -> None:
        """Mark the current interaction point done (call after saving the round's checkpoint)."""
        scenario = self._require_scenario()
        s = self.state
        if s.point_index >= len(s.interaction_points):
            raise HillError(f"{scenario}: all interaction points are done; questionnaire next")
        epoch = self.round_end_epoch()
        s.point_index += 1
        self.save()
        self.log("round_completed", scenario=scenario, point_index=s.point_index - 1,
                 end_epoch=epoch)

    def end_scenario_early(self, reason: str) -> None:
        """Skip remaining interaction points (e.g. time limit); the questionnaire comes next."""
        scenario = self._require_scenario()
        self.state.point_index = len(self.state.interaction_points)
        self.save()
        self.log("scenario_ended_early", scenario=scenario, reason=reason)

    def complete_questionnaire(self, answers: Mapping[str, Any]) -> dict[str, float]:
        """Score and store the current scenario's questionnaire; advance to the next scenario."""
        scenario = self._require_scenario()
        s = self.state
        if s.point_index < len(s.interaction_points):
            raise HillError(f"{scenario}: questionnaire before the last interaction point")
        scores = score(answers, self._questionnaires)
        if not self._answered(scenario):  # one row per participant and scenario
            if self._answers is None:
                columns = ["t", "participant", "scenario", *score_columns(self._questionnaires)]
                self._answers = CsvAppender(self.folder / "questionnaires.csv", columns)
            self._answers.append({"t": self._clock(), "participant": s.participant,
                                  "scenario": scenario, **scores})
        self._advance_after_questionnaire(scenario)
        self.log("questionnaire_completed", scenario=scenario, scores=scores)
        return scores

    def _advance_after_questionnaire(self, scenario: str) -> None:
        s = self.state
        if scenario not in s.completed_questionnaires:
            s.completed_questionnaires.append(scenario)
        s.scenario_index += 1
        s.point_index = 0
        s.scenario_started_at = None
        self.save()

    def resume_point(self, validate: bool = False) -> ResumePoint:
        """Where to continue, with the checkpoint to restore.

        Point 0 restores the pretrained checkpoint; point k > 0 restores the checkpoint saved
        at the end of round k-1. If that file is missing (crash between the state update and
        the save), it falls back to the latest earlier point whose checkpoint exists. With
        `validate`, a checkpoint that does not load is renamed `*.pt.corrupt`, logged
        (`checkpoint_rejected`) and reported on stderr, and the previous one is used.
        """
        s = self.state
        if s.finished:
            return ResumePoint("done", None, s.scenario_index, 0, None, None)
        scenario = s.order[s.scenario_index]
        points = s.interaction_points
        if s.point_index >= len(points):
            epoch = self.round_end_epoch(len(points) - 1)
            return ResumePoint("questionnaire", scenario, s.scenario_index, s.point_index,
                               epoch, self.checkpoint_path(scenario, epoch))
        k = s.point_index
        while k > 0 and not (self.checkpoint_path(scenario, points[k]).exists()
                             and (not validate or self._checkpoint_ok(scenario, points[k]))):
            k -= 1
        if k == 0:
            pretrained = s.pretrained.get(scenario)
            checkpoint = Path(pretrained) if pretrained else None
        else:
            checkpoint = self.checkpoint_path(scenario, points[k])
        return ResumePoint("interact", scenario, s.scenario_index, k, points[k], checkpoint)

    def _checkpoint_ok(self, scenario: str, epoch: int) -> bool:
        from hill_arcade.training.checkpoint import load_checkpoint

        path = self.checkpoint_path(scenario, epoch)
        try:
            load_checkpoint(path)
        except HillError as exc:
            kept = path.with_name(path.name + ".corrupt")
            os.replace(path, kept)
            self.log("checkpoint_rejected", scenario=scenario, path=path, kept_as=kept,
                     reason=str(exc))
            import sys

            print(f"hill-arcade: warning: {exc}; kept as {kept.name}, resuming from the "
                  f"previous interaction point", file=sys.stderr)
            return False
        return True

    def _require_scenario(self) -> str:
        scenario = self.current_scenario
        if scenario is None:
            raise HillError(f"{self.session_file}: the session is already finished")
        return scenario
