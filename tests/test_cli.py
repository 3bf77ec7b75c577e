"""The command line as a user runs it: one-line errors, training writes what it promises."""

from __future__ import annotations

import subprocess
import sys

from hill_arcade.cli import main
from hill_arcade.training.checkpoint import load_checkpoint


def test_train_writes_metrics_and_loadable_checkpoint(tmp_path, capsys):
    status = main(["train", "digits", "--epochs", "2", "--out", str(tmp_path), "--device", "cpu"])
    assert status == 0
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,val_acc") and len(rows) == 3
    state = load_checkpoint(tmp_path / "epoch_002.pt")
    assert state["epoch"] == 2 and state["scene"]["hill"]["alpha"] == 0.5


def test_errors_are_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("optimizer:\n  batch_size: 0\n")
    result = subprocess.run([sys.executable, "-m", "hill_arcade", "train", str(bad)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"hill-arcade: error: {bad}: optimizer.batch_size: expected a value in 1..65536, got 0")


def test_missing_dataset_names_path_and_fetch_command(tmp_path, capsys):
    assert main(["data", "cifar10", "--root", str(tmp_path / "c10")]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "c10") in err and "hill-arcade data cifar10 --download" in err
    assert len(err.strip().splitlines()) == 1
