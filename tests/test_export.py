"""`hill-arcade export`: BIDS-style events.tsv + events.json; projection .npz files."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from hill_arcade.analysis.export import (
    TSV_COLUMNS,
    load_projection_npz,
    save_projection_npz,
)
from hill_arcade.errors import HillError
from hill_arcade.eventlog import EventLog


def make_session(folder):
    """events.jsonl as the app writes it, with a clock we control."""
    now = [1000.0]
    log = EventLog(folder / "events.jsonl", clock=lambda: now[0])
    log.append({"type": "session_start", "scene": "MNIST-1D"})
    now[0] = 1002.5
    log.append({"type": "edit", "classes": [3, 5], "kind": "move"})
    now[0] = 1010.0
    log.append({"type": "epoch", "epoch": 26, "val_acc": 0.91, "seconds": 4.0})
    now[0] = 1011.0
    log.append({"type": "settings", "alpha": 0.3, "note": "tab\there"})
    log.close()
    return folder


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "hill_arcade", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_export_command_writes_bids_events(tmp_path):
    session = make_session(tmp_path / "session")
    out = tmp_path / "bids"
    result = run_cli("export", session, "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(out / "events.tsv"), str(out / "events.json")]
    with (out / "events.tsv").open(newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert list(rows[0]) == TSV_COLUMNS
    assert [(r["onset"], r["duration"], r["trial_type"]) for r in rows] == [
        ("0", "0", "session_start"), ("2.5", "0", "edit"), ("6", "4", "epoch"),
        ("11", "0", "settings")]
    assert rows[2]["epoch"] == "26" and rows[0]["epoch"] == "n/a"
    assert json.loads(rows[2]["value"]) == {"seconds": 4.0, "val_acc": 0.91}
    assert json.loads(rows[3]["value"])["note"] == "tab\there"  # JSON escapes the tab
    assert rows[1]["seq"] == "2" and rows[1]["unix_time"] == "1002.5"
    sidecar = json.loads((out / "events.json").read_text())
    assert set(TSV_COLUMNS) <= set(sidecar)  # every column documented
    assert sidecar["onset"]["Units"] == "s"
    assert set(sidecar["trial_type"]["Levels"]) == {"session_start", "edit", "epoch", "settings"}
    assert sidecar["SessionStartUnixTime"] == 1000.0


def test_export_defaults_to_session_folder_and_errors(tmp_path):
    session = make_session(tmp_path / "s")
    assert run_cli("export", session).returncode == 0
    assert (session / "events.tsv").is_file() and (session / "events.json").is_file()
    (tmp_path / "empty").mkdir()
    result = run_cli("export", tmp_path / "empty")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"hill-arcade: error: {tmp_path / 'empty'}: no events.jsonl in this folder")


def test_projection_npz_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    points = rng.normal(size=(30, 2))
    labels = rng.integers(0, 10, 30)
    preds = rng.integers(0, 10, 30)
    centers = np.full((10, 2), np.nan)
    centers[3] = (1.0, -2.0)
    spreads = np.full(10, np.nan)
    spreads[3] = 0.25
    path = save_projection_npz(tmp_path / "proj" / "epoch_026.npz", points, labels, preds,
                               centers, spreads, epoch=26)
    with np.load(path, allow_pickle=False) as data:  # plain numpy reads it
        assert data["points"].dtype == np.float32 and data["points"].shape == (30, 2)
        assert np.array_equal(data["labels"], labels) and data["predictions"].dtype == np.int64
    loaded = load_projection_npz(path)
    assert np.allclose(loaded["points"], points, atol=1e-6)
    assert loaded["target_centers"][3].tolist() == [1.0, -2.0]
    assert np.isnan(loaded["target_centers"][0]).all() and loaded["target_spreads"][3] == 0.25
    assert int(loaded["epoch"]) == 26

    bare = load_projection_npz(save_projection_npz(tmp_path / "b.npz", points, labels, preds))
    assert bare["target_centers"].shape == (0, 2) and int(bare["epoch"]) == -1
    with pytest.raises(ValueError, match="points: expected shape"):
        save_projection_npz(tmp_path / "c.npz", points[:, :1], labels, preds)
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(HillError, match="not a projection .npz"):
        load_projection_npz(tmp_path / "junk.npz")
