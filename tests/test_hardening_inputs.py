"""Issue 10: bad inputs (scene files, dataset folders, checkpoints) are one line naming the
file and the key or field, never a traceback and never silently accepted."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from hill_arcade.cli import main
from hill_arcade.config import load_scene
from hill_arcade.errors import CheckpointError, ConfigError, DatasetError
from hill_arcade.training.checkpoint import load_checkpoint
from tests.data_fixtures import (
    write_cifar10_fixture,
    write_minimal_checkpoint,
    write_pamap2_fixture,
)

# ---- item 16: scene files that crashed the loader ------------------------------------------


@pytest.mark.parametrize("content", [
    bytes(range(256)),                       # random bytes
    "hill:\n  alpha: 0.5  # café\n".encode("latin-1"),
    "\ufeffhill:\n  alpha: 0.5\n".encode("utf-16"),
    b"\x7fELF\x02\x01\x01\x00" + bytes(200),  # an executable
    b"PK\x03\x04" + bytes(range(200, 256)),   # a zip archive
])
def test_non_utf8_scene_is_one_line(tmp_path, content):
    path = tmp_path / "scene.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=rf"^{path}: not a (UTF-8 )?text file"):
        load_scene(path)


@pytest.mark.parametrize("depth", [100, 5000])
def test_deep_nesting_is_one_line(tmp_path, depth):
    path = tmp_path / "scene.yaml"
    path.write_text("model:\n  params:\n    a: " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(ConfigError, match=rf"^{path}: nested more than 32 levels deep"):
        load_scene(path)


@pytest.mark.parametrize(("yaml", "key"), [
    ("optimizer:\n  lr: .nan\n", "optimizer.lr"),
    ("optimizer:\n  weight_decay: .nan\n", "optimizer.weight_decay"),
    ("hill:\n  lam: .nan\n", "hill.lam"),
    ("hill:\n  alpha: .nan\n", "hill.alpha"),
    ("hill:\n  alpha: -.inf\n", "hill.alpha"),
    ("dataset:\n  params:\n    val_fraction: .nan\n", "dataset.params.val_fraction"),
    ("ui:\n  scale: .nan\n", "ui.scale"),
    ("kiosk:\n  hang_s: .nan\n", "kiosk.hang_s"),
    ("kiosk:\n  idle_reset_s: .inf\n", "kiosk.idle_reset_s"),
    ("study:\n  scenario_time_limit_s: .nan\n", "study.scenario_time_limit_s"),
    ("study:\n  session_time_limit_s: .nan\n", "study.session_time_limit_s"),
    ("model:\n  params:\n    dropout: .nan\n", "model.params.dropout"),  # plugin-style dict
    ("optimizer:\n  lr: 'nan'\n", "optimizer.lr"),  # a string YAML did not read as a float
])
def test_non_finite_numbers_are_refused_everywhere(tmp_path, yaml, key):
    path = tmp_path / "scene.yaml"
    path.write_text(yaml)
    with pytest.raises(ConfigError, match=rf"^{path}: {key}: expected a finite number"):
        load_scene(path)


@pytest.mark.parametrize("seed", ["18446744073709551616", "1e40", "-1"])
def test_seed_out_of_range(tmp_path, seed):
    path = tmp_path / "scene.yaml"
    path.write_text(f"runtime:\n  seed: {seed}\n")
    with pytest.raises(ConfigError, match=rf"^{path}: runtime.seed: expected"):
        load_scene(path)


def test_every_int_setting_has_an_upper_bound(tmp_path):
    path = tmp_path / "scene.yaml"
    path.write_text("kiosk:\n  live_every: 100000000000000\n")
    with pytest.raises(ConfigError, match=r"kiosk.live_every: expected a value in 1..2147483647"):
        load_scene(path)


@pytest.mark.parametrize("name", ["../../etc:passwd", "/abs/path:f", "a b:c", "os:"])
def test_plugin_paths_must_be_python_names(tmp_path, name):
    path = tmp_path / "scene.yaml"
    path.write_text(f"dataset:\n  name: '{name}'\n")
    with pytest.raises(ConfigError, match=rf"^{path}: dataset.name: expected a plugin path"):
        load_scene(path)


@pytest.mark.parametrize(("plugin", "where"), [
    ("json:dumps", "dataset"), ("builtins:len", "dataset"), ("torch.nn:Linear", "dataset"),
    ("json:dumps", "model"), ("builtins:len", "model"), ("torch.nn:Linear", "model"),
])
def test_plugins_with_the_wrong_signature_name_the_file(tmp_path, capsys, plugin, where):
    path = tmp_path / "scene.yaml"
    path.write_text(f"{where}:\n  name: '{plugin}'\n")
    assert main(["train", str(path), "--epochs", "1", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"hill-arcade: error: {path}: {where}.name: plugin '{plugin}'")
    assert "\n" not in err


def test_model_build_errors_name_the_file(tmp_path, capsys):
    path = tmp_path / "scene.yaml"
    path.write_text("model:\n  params:\n    a: 1\n")
    assert main(["train", str(path), "--epochs", "1", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hill-arcade: error: {path}: model.params.a: unknown parameter")


def test_model_plugins_load_from_the_working_directory(tmp_path, monkeypatch):
    from hill_arcade.config import ModelConfig
    from hill_arcade.models import build_model

    (tmp_path / "hill_cwd_model.py").write_text(
        "from torch import nn\n"
        "class M(nn.Module):\n"
        "    latent_dim = 4\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.f = nn.Flatten()\n"
        "        self.l = nn.LazyLinear(4)\n"
        "    def forward(self, x):\n"
        "        return self.l(self.f(x))\n"
        "def build(num_classes, input_shape):\n"
        "    return M()\n")
    monkeypatch.chdir(tmp_path)
    model = build_model(ModelConfig(name="hill_cwd_model:build"), 3, (8,))
    assert model is not None


# ---- item 17: invalid values silently accepted -------------------------------------------

@pytest.mark.parametrize(("yaml", "match"), [
    ("hill:\n  alpha: 0.1\n  alpha: 0.9\n", "duplicate key 'alpha' \\(first at line 2\\)"),
    ("kiosk:\n  admin_chord: []\n", "kiosk.admin_chord: expected modifier names and one key"),
    ("dataset:\n  params:\n    val_fraction: 0.5\n    test_fraction: 0.45\n",
     "dataset.params: expected val_fraction \\+ test_fraction below 0.9"),
])
def test_values_once_accepted_silently(tmp_path, yaml, match):
    path = tmp_path / "scene.yaml"
    path.write_text(yaml)
    with pytest.raises(ConfigError, match=rf"^{path}: .*{match}"):
        load_scene(path)


def test_a_diverging_scene_ends_train_with_one_line(tmp_path, capsys):
    path = tmp_path / "div.yaml"
    path.write_text("optimizer:\n  name: sgd\n  lr: 10\n")
    assert main(["train", str(path), "--epochs", "2", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("hill-arcade: error: training diverged (loss became nan")
    assert err.endswith(f"lower optimizer.lr (now sgd, lr 10) or switch optimizer.name in {path}")


# ---- item 12: a dataset folder must not run code -----------------------------------------

class _Payload:
    """Unpickling this calls `os.system` (harmless: it creates a marker file)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204
        import os

        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("target", ["batches.meta", "data_batch_1"])
def test_crafted_cifar10_pickle_is_refused_before_it_runs(tmp_path, target):
    from hill_arcade.data.cifar10 import describe

    root = write_cifar10_fixture(tmp_path / "cifar", per_class_train=1, per_class_test=1)
    marker = tmp_path / "pwned"
    path = root / "cifar-10-batches-py" / target
    with open(path, "rb") as f:
        real = pickle.load(f, encoding="bytes")
    real[b"extra"] = _Payload(marker)  # otherwise valid: the loader would report success
    with open(path, "wb") as f:
        pickle.dump(real, f, protocol=2)
    with pytest.raises(DatasetError) as exc:
        describe(root)
    message = str(exc.value)
    assert message.startswith(f"cifar10: {path} is not a CIFAR-10 batch: it asks to load code")
    assert "posix.system" in message or "os.system" in message
    assert "\n" not in message
    assert not marker.exists()


def test_real_format_cifar10_batches_still_load(tmp_path):
    from hill_arcade.data.cifar10 import describe

    root = write_cifar10_fixture(tmp_path / "cifar", per_class_train=1, per_class_test=1)
    assert describe(root).startswith("cifar10: found 10 train / 10 test images")


# ---- item 22: PAMAP2 content ---------------------------------------------------------------

@pytest.mark.parametrize(("content", "match"), [
    (b"", "the file holds no data"),
    (bytes(range(256)) * 4, "not text|expected 54 columns"),
    (b"1 2 3\n", "line 1: expected 54 columns, got 3"),
])
def test_pamap2_check_reads_the_content(tmp_path, content, match):
    from hill_arcade.data import fetch_dataset

    path = tmp_path / "Protocol" / "subject101.dat"
    path.parent.mkdir()
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=rf"^pamap2: {path}: .*({match})"):
        fetch_dataset("pamap2", str(tmp_path), download=False)


def test_pamap2_infinite_values_are_cleaned_at_load(tmp_path):
    from hill_arcade.config import Pamap2Params
    from hill_arcade.data.pamap2 import load_pamap2

    root = write_pamap2_fixture(tmp_path, subjects=(101, 102, 103), seconds=8)
    path = root / "Protocol" / "subject101.dat"
    lines = path.read_text().splitlines()
    fields = lines[50].split()
    fields[5] = "inf"  # the hand accelerometer's x
    fields[21] = "-inf"  # the chest accelerometer's x
    lines[50] = " ".join(fields)
    path.write_text("\n".join(lines) + "\n")
    data = load_pamap2(Pamap2Params(train_subjects=[101], val_subjects=[102],
                                    test_subjects=[103]), 0, root)
    assert bool(torch.isfinite(data.train.x).all())


# ---- item 18: checkpoints with the right container but wrong fields ---------------------

def _good_state() -> dict:
    return {"format": 1, "model": {"w": torch.zeros(2)},
            "probe": {"weight": torch.zeros(10, 2), "bias": torch.zeros(10)},
            "optimizer": {"state": {}, "param_groups": []}, "epoch": 3, "step": 30,
            "projection_frozen": False,
            "targets": {"centers": torch.zeros(10, 2), "spreads": torch.ones(10, 2)},
            "history": [], "scene": {},
            "rng": {"shuffle": torch.zeros(8, dtype=torch.uint8),
                    "torch": torch.zeros(8, dtype=torch.uint8)}}


@pytest.mark.parametrize(("field", "value"), [
    ("history", 5), ("epoch", None), ("epoch", 10**30), ("epoch", -1), ("step", "3"),
    ("model", 5), ("optimizer", 5), ("probe", {"weight": 1}),
    ("targets", {"centers": torch.zeros(10, 2, dtype=torch.long), "spreads": torch.ones(10, 2)}),
    ("targets", 7), ("rng", "abc"), ("format", 999), ("projection_frozen", "no"),
    ("model", {"w": torch.tensor([float("nan"), 1.0])}),
    ("targets", {"centers": torch.full((10, 2), float("inf")), "spreads": torch.ones(10, 2)}),
])
def test_checkpoint_fields_are_validated(tmp_path, field, value):
    state = _good_state()
    state[field] = value
    path = tmp_path / "x.pt"
    torch.save(state, path)
    with pytest.raises(CheckpointError, match=rf"^{path}: {field}(\.\w+)*: expected"):
        load_checkpoint(path)


def test_a_valid_minimal_checkpoint_loads(tmp_path):
    path = tmp_path / "ok.pt"
    torch.save(_good_state(), path)
    assert load_checkpoint(path)["epoch"] == 3


def test_resume_with_targets_of_another_class_count_is_one_line(tmp_path, capsys):
    path = tmp_path / "ckpt.pt"
    assert main(["train", "digits", "--epochs", "1", "--out", str(tmp_path / "o")]) == 0
    state = torch.load(tmp_path / "o" / "epoch_001.pt", weights_only=True)
    state["targets"] = {"centers": torch.zeros(7, 2), "spreads": torch.ones(7, 2)}
    torch.save(state, path)
    capsys.readouterr()
    assert main(["train", "digits", "--epochs", "1", "--out", str(tmp_path / "o2"),
                 "--resume", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hill-arcade: error: {path}: targets: expected 10 classes")


def test_checkpoint_write_failure_is_one_line(tmp_path, monkeypatch):
    from hill_arcade.training import checkpoint

    def full(*args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc] PytorchStreamWriter failed "
                           "writing file data/0: file write failed")

    monkeypatch.setattr(checkpoint.torch, "save", full)
    with pytest.raises(CheckpointError, match=r"cannot write checkpoint"):
        checkpoint.save_checkpoint({"a": 1}, tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []  # no temp file left behind


def test_minimal_fixture_is_valid(tmp_path):
    path = write_minimal_checkpoint(tmp_path / "m.pt", 4)
    assert load_checkpoint(path)["epoch"] == 4
    assert np.isfinite(load_checkpoint(path)["probe"]["weight"].numpy()).all()


# ---- item 2: the study computes missing baselines before any window ---------------------

def test_preflight_computes_a_missing_baseline_and_applies_runtime_options(tmp_path,
                                                                            monkeypatch):
    import argparse

    from hill_arcade.study.preflight import preflight_study

    scene = tmp_path / "tiny.yaml"
    scene.write_text("name: tiny\nschedule:\n  pretrain_epochs: 1\n  interaction_points: [1, 2]\n"
                     "  epochs_per_round: 1\ndisplay:\n  per_class: 5\n"
                     "runtime:\n  amp: false\n")
    monkeypatch.chdir(tmp_path)
    assert main(["train", str(scene), "--epochs", "1", "--out", "runs/tiny"]) == 0
    args = argparse.Namespace(participant="P01", scenarios=str(scene), order=None,
                              out=tmp_path / "study", pretrained=Path("runs"), resume=False,
                              no_baseline=False, headless=True, device="cpu", threads=1)
    scenes = preflight_study(args)
    assert scenes["tiny"].runtime.device == "cpu" and scenes["tiny"].runtime.threads == 1
    baseline = tmp_path / "runs" / "tiny" / "baseline_metrics.csv"
    from hill_arcade.eventlog import read_csv

    assert [r["epoch"] for r in read_csv(baseline)] == ["2", "3"]  # to the last round's end
    assert not (tmp_path / "study").exists()  # nothing written for the participant yet


def test_a_full_disk_during_train_names_the_output_folder(tmp_path, capsys, monkeypatch):
    import errno

    from hill_arcade.training import headless

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(headless, "save_checkpoint", full)
    out = tmp_path / "o"
    assert main(["train", "digits", "--epochs", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == f"hill-arcade: error: {out}: disk full"
