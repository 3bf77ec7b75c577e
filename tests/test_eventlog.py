"""Crash safety of the JSONL event log and the CSV appender."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from hill_arcade.eventlog import (  # noqa: E402
    CsvAppender,
    EventLog,
    read_csv,
    read_events,
)

WRITER = textwrap.dedent("""
    import sys
    from hill_arcade.eventlog import EventLog
    log = EventLog(sys.argv[1])
    i = 0
    while True:
        log.append({"type": "tick", "i": i, "pad": "x" * 200})
        i += 1
        if i == 20:
            print("ready", flush=True)
""")


def test_sigkill_mid_run_loses_nothing_complete(tmp_path):
    path = tmp_path / "events.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # simulate the worst case on top: a torn line left by a crash mid-write
    with open(path, "ab") as f:
        f.write(b'{"t": 1.0, "seq": 99999, "type": "ti')
    before = read_events(path)
    assert before.torn is not None and before.torn.endswith(b'"type": "ti')
    n = len(before.events)
    assert n >= 20
    assert [e["seq"] for e in before.events] == list(range(1, n + 1))
    assert [e["i"] for e in before.events] == list(range(n))

    log = EventLog(path)
    assert log.recovered is not None  # the partial line was reported...
    log.append({"type": "resumed"})
    log.close()
    after = read_events(path)
    assert after.torn is None  # ...and cut off, not glued to the next event
    seqs = [e["seq"] for e in after.events]
    assert seqs == list(range(1, n + 2))  # no gaps, no duplicates
    assert after.events[:n] == before.events
    assert after.events[-1]["type"] == "resumed"


def test_events_get_time_and_seq_and_threads_do_not_interleave(tmp_path):
    log = EventLog(tmp_path / "e.jsonl", clock=lambda: 123.5)
    first = log.append({"type": "a", "value": float("nan")})
    assert first == {"t": 123.5, "seq": 1, "type": "a", "value": None}

    def worker(k):
        for i in range(50):
            log.append({"type": "w", "k": k, "i": i})

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    lines = (tmp_path / "e.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert [e["seq"] for e in events] == list(range(1, 202))
    assert EventLog(tmp_path / "e.jsonl").seq == 201


def test_reserved_keys_rejected(tmp_path):
    log = EventLog(tmp_path / "e.jsonl")
    try:
        log.append({"seq": 5})
    except ValueError as exc:
        assert "seq" in str(exc)
    else:
        raise AssertionError("expected ValueError")
    finally:
        log.close()


def test_csv_header_once_and_torn_row_dropped(tmp_path):
    path = tmp_path / "metrics.csv"
    with CsvAppender(path, ["epoch", "val_acc"]) as w:
        w.append({"epoch": 1, "val_acc": 0.5})
    with open(path, "a") as f:
        f.write("2,0.6")  # torn row, no newline
    assert read_csv(path) == [{"epoch": "1", "val_acc": "0.5"}]
    with CsvAppender(path, ["epoch", "val_acc"]) as w:
        assert w.recovered == b"2,0.6"
        w.append({"epoch": 2, "val_acc": 0.625})
    assert path.read_text() == "epoch,val_acc\n1,0.5\n2,0.625\n"
    try:
        CsvAppender(path, ["epoch", "other"])
    except ValueError as exc:
        assert "header" in str(exc)
    else:
        raise AssertionError("expected ValueError")
