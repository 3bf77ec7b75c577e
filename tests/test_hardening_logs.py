"""Issue 10: logs and study sessions survive a full disk, damage, two processes and kills."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hill_arcade import eventlog
from hill_arcade.errors import HillError, LogWriteError, SessionLockedError
from hill_arcade.eventlog import CsvAppender, EventLog, read_csv, read_events
from hill_arcade.study.session import StudySession
from tests.data_fixtures import write_minimal_checkpoint

REPO = Path(__file__).resolve().parents[1]
ANSWERS = {"umux_1": 6, "umux_2": 5, "tlx_mental": 10, "tlx_physical": 2, "tlx_temporal": 3,
           "tlx_performance": 8, "tlx_effort": 12, "tlx_frustration": 5,
           **{f"q{i}": 10.0 * i for i in range(1, 8)}}


class _DiskFills:
    """os.write that writes `budget` bytes, then fails with ENOSPC until `free()`."""

    def __init__(self, monkeypatch, budget: int) -> None:
        self.budget = budget
        self.full = False
        self._write = os.write
        monkeypatch.setattr(eventlog.os, "write", self)

    def __call__(self, fd: int, data) -> int:
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")
        data = bytes(data)
        if len(data) > self.budget:
            self.full = True
            return self._write(fd, data[: self.budget])  # a partial line, like a real disk
        self.budget -= len(data)
        return self._write(fd, data)

    def free(self) -> None:
        self.full = False
        self.budget = 1 << 30


# ---- item 13: full disk ---------------------------------------------------------------------

def test_a_full_disk_raises_log_write_error_and_the_log_heals(tmp_path, monkeypatch):
    path = tmp_path / "events.jsonl"
    log = EventLog(path)
    for i in range(3):
        log.append({"type": "x", "i": i})
    disk = _DiskFills(monkeypatch, budget=10)
    with pytest.raises(LogWriteError) as exc:
        log.append({"type": "round", "i": 3})
    assert exc.value.disk_full and str(exc.value) == f"{path}: cannot record (disk full)"
    assert isinstance(exc.value, OSError)  # code catching OSError still catches it
    assert not path.read_bytes().endswith(b"\n")  # a torn line is on disk
    with pytest.raises(LogWriteError):
        log.append({"type": "round", "i": 4})
    disk.free()
    log.append({"type": "after", "i": 5})
    log.close()
    events = read_events(path)
    assert events.torn is None and events.bad_lines == []
    assert [e["seq"] for e in events.events] == [1, 2, 3, 4]  # gap-free, nothing glued
    assert events.events[-1]["type"] == "after"


def test_csv_appender_heals_after_a_failed_write(tmp_path, monkeypatch):
    path = tmp_path / "metrics.csv"
    out = CsvAppender(path, ["epoch", "val_acc"])
    out.append({"epoch": 1, "val_acc": 0.5})
    disk = _DiskFills(monkeypatch, budget=3)
    with pytest.raises(LogWriteError):
        out.append({"epoch": 2, "val_acc": 0.612345})
    disk.free()
    out.append({"epoch": 3, "val_acc": 0.7})
    out.close()
    assert path.read_bytes().endswith(b"\n")
    assert [r["epoch"] for r in read_csv(path)] == ["1", "3"]


# ---- item 13/19: a damaged line in the middle ---------------------------------------------

def test_a_bad_middle_line_is_quarantined_not_fatal(tmp_path):
    s = StudySession.create(tmp_path, "P01", scenarios=["digits"])
    s.log("note", i=1)
    s.log("note", i=2)
    s.close()
    path = tmp_path / "P01" / "events.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    damaged = b'{"t":1,"seq":11,"ty{"t":2,"seq":11}\n'
    path.write_bytes(lines[0] + damaged + b"".join(lines[1:]))
    before = path.read_bytes()
    session = StudySession.resume(tmp_path, "P01")
    session.close()
    after = path.read_bytes()
    assert after.startswith(before)  # nothing already recorded is rewritten
    events = read_events(path).events
    recovered = [e for e in events if e["type"] == "log_recovered"]
    assert recovered and recovered[0]["quarantined_lines"] == [2]
    kept = [json.loads(line) for line in Path(f"{path}.quarantine").read_text().splitlines()]
    assert kept == [{"line": 2, "raw": damaged[:-1].decode("latin-1")}]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]  # seq continues after the last good
    assert events[-1]["type"] == "session_resumed"


# ---- item 14: two processes on one session --------------------------------------------------

def _holder(out: Path) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import sys, time
        from hill_arcade.study.session import StudySession
        s = StudySession.resume({str(out)!r}, "P01")
        print("locked", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_process_is_refused_naming_the_holder(tmp_path):
    StudySession.create(tmp_path, "P01", scenarios=["digits"]).close()
    proc = _holder(tmp_path)
    try:
        with pytest.raises(SessionLockedError) as exc:
            StudySession.resume(tmp_path, "P01")
        assert exc.value.pid == proc.pid
        assert f"in use by another hill-arcade process (pid {proc.pid}" in str(exc.value)
        result = subprocess.run(
            [sys.executable, "-m", "hill_arcade", "study", "--participant", "P01", "--resume",
             "--scenarios", "digits", "--out", str(tmp_path), "--headless", "--no-baseline",
             "--pretrained", str(tmp_path / "runs")],
            cwd=tmp_path, capture_output=True, text=True, timeout=60,
            env={**os.environ, "PYTHONPATH": str(REPO), "SDL_VIDEODRIVER": "dummy"})
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"in use by another hill-arcade process (pid {proc.pid}" in result.stderr
    finally:
        proc.kill()
        proc.wait()
    # the killed holder's lock is stale: taken over, and said so in the log
    session = StudySession.resume(tmp_path, "P01")
    session.close()
    types = [e["type"] for e in read_events(tmp_path / "P01" / "events.jsonl").events]
    assert "lock_taken_over" in types
    seqs = [e["seq"] for e in read_events(tmp_path / "P01" / "events.jsonl").events]
    assert seqs == list(range(1, len(seqs) + 1))


# ---- item 15: kill between the questionnaire row and the state update -----------------------

def test_questionnaire_row_and_state_are_idempotent(tmp_path, monkeypatch):
    s = StudySession.create(tmp_path, "P01", scenarios=["digits", "cifar10"],
                            order=["digits", "cifar10"], interaction_points=[25])
    s.state.point_index = 1
    s.save()
    real_save = StudySession.save
    monkeypatch.setattr(StudySession, "save", lambda self: (_ for _ in ()).throw(
        KeyboardInterrupt()))  # "killed" right after the row was appended
    with pytest.raises(KeyboardInterrupt):
        s.complete_questionnaire(ANSWERS)
    monkeypatch.setattr(StudySession, "save", real_save)
    s.close()
    r = StudySession.resume(tmp_path, "P01")
    assert r.current_scenario == "cifar10"  # the stored row completed the step
    assert r.resume_point().stage == "interact"
    rows = read_csv(tmp_path / "P01" / "questionnaires.csv")
    assert [(row["participant"], row["scenario"]) for row in rows] == [("P01", "digits")]
    r.state.point_index = 1
    r.complete_questionnaire(ANSWERS)
    r.close()
    rows = read_csv(tmp_path / "P01" / "questionnaires.csv")
    assert [row["scenario"] for row in rows] == ["digits", "cifar10"]


# ---- item 19: corrupted session files on --resume -------------------------------------------

@pytest.mark.parametrize(("edit", "match"), [
    (lambda d, p: p.write_bytes(b"\xff\xfe{}"), "not UTF-8"),
    (lambda d, p: p.write_text(json.dumps({**d, "scenario_index": "1"})), "scenario_index"),
    (lambda d, p: p.write_text(json.dumps({**d, "interaction_points": []})),
     "interaction_points"),
    (lambda d, p: p.write_text(json.dumps({**d, "order": []})), "order: expected at least"),
    (lambda d, p: p.write_text(json.dumps({**d, "point_index": 99})), "point_index"),
    (lambda d, p: p.write_text(json.dumps({**d, "participant": "P02"})), "participant"),
    (lambda d, p: p.write_text("[1, 2]"), "expected a JSON object"),
    (lambda d, p: (p.unlink(), p.mkdir()), "got a folder"),
])
def test_corrupted_session_file_is_one_line_and_nothing_is_rewritten(tmp_path, edit, match):
    StudySession.create(tmp_path, "P01", scenarios=["digits", "cifar10"]).close()
    path = tmp_path / "P01" / "session.json"
    edit(json.loads(path.read_text()), path)
    events = (tmp_path / "P01" / "events.jsonl").read_bytes()
    with pytest.raises(HillError, match=match) as exc:
        StudySession.resume(tmp_path, "P01")
    assert str(exc.value).startswith(str(path)) and "\n" not in str(exc.value)
    assert (tmp_path / "P01" / "events.jsonl").read_bytes() == events


def test_events_log_that_is_a_folder_is_one_line(tmp_path):
    StudySession.create(tmp_path, "P01", scenarios=["digits"]).close()
    log = tmp_path / "P01" / "events.jsonl"
    log.unlink()
    log.mkdir()
    with pytest.raises(HillError, match=rf"^{log}: expected an event log file, got a folder"):
        StudySession.resume(tmp_path, "P01")


@pytest.mark.parametrize("participant", ["../outside/P05", "P07\n", "/abs/P01"])
def test_resume_validates_participant_ids(tmp_path, participant):
    with pytest.raises(HillError, match="--participant: expected letters"):
        StudySession.resume(tmp_path, participant)


# ---- item 18: a corrupt interaction-point checkpoint on resume ------------------------------

def test_corrupt_round_checkpoint_falls_back_to_the_previous_one(tmp_path, capsys):
    s = StudySession.create(tmp_path, "P01", scenarios=["digits"], interaction_points=[25, 30, 35])
    pretrained = write_minimal_checkpoint(tmp_path / "runs" / "epoch_025.pt", 25)
    s.start_scenario(pretrained)
    write_minimal_checkpoint(s.checkpoint_path("digits", 30), 30)
    s.complete_round()
    bad = s.checkpoint_path("digits", 35)
    bad.write_bytes(b"half a checkpoint")
    s.complete_round()
    s.close()
    r = StudySession.resume(tmp_path, "P01")
    where = r.resume_point()
    r.close()
    assert (where.point_index, where.checkpoint) == (1, s.checkpoint_path("digits", 30))
    assert not bad.exists() and bad.with_name("epoch_035.pt.corrupt").exists()
    assert "resuming from the previous interaction point" in capsys.readouterr().err
    rejected = [e for e in read_events(tmp_path / "P01" / "events.jsonl").events
                if e["type"] == "checkpoint_rejected"]
    assert rejected and rejected[0]["path"] == str(bad)
