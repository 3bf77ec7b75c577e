"""MNIST-1D: seeded splits from the mnist1d package, the 1D CNN, the two scenes, the CLI."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from hill_arcade import SCENES_DIR
from hill_arcade.config import Mnist1dParams, load_scene, scene_from_dict
from hill_arcade.data import check_splits, load_dataset
from hill_arcade.data.mnist1d import generate, load_mnist1d
from hill_arcade.errors import ConfigError
from hill_arcade.models import build_model


def test_splits_seeded_stratified_and_package_test_set():
    a = load_mnist1d(Mnist1dParams(), seed=0)
    check_splits(a, "mnist1d")
    assert (len(a.train), len(a.val), len(a.test)) == (3200, 800, 1000)
    assert a.input_shape == (1, 40) and a.train.x.shape == (3200, 1, 40)
    per_class = np.bincount(generate()[1])  # the package's train part, about 400 per class
    assert np.bincount(a.val.y.numpy()).tolist() == [int(n * 0.2 + 0.5) for n in per_class]
    again = load_mnist1d(Mnist1dParams(), seed=0)
    assert torch.equal(a.val.x, again.val.x) and torch.equal(a.train.y, again.train.y)
    other = load_mnist1d(Mnist1dParams(), seed=1)
    assert not torch.equal(a.val.x, other.val.x)
    _, _, x_test, y_test = generate()
    assert torch.equal(a.test.x[:, 0], torch.tensor(x_test))  # the package's test set
    assert torch.equal(other.test.y, torch.tensor(y_test))
    # train and val never share a series
    train_rows = {row.tobytes() for row in a.train.x.numpy()}
    assert not any(row.tobytes() in train_rows for row in a.val.x.numpy())


def test_limit_per_class_and_global_rng_untouched():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    generate.cache_clear()
    data = load_mnist1d(Mnist1dParams(limit_per_class=100), seed=3)
    assert np.random.rand() == expected  # make_dataset's np.random.seed() was undone
    assert np.bincount(data.train.y.numpy()).tolist() == [100] * 10
    assert len(data.val) == 800
    series = data.render_sample(data.train.x[0])
    assert series.shape == (40,) and series.dtype == np.float32


def test_model_shapes_and_bad_input():
    from hill_arcade.config import ModelConfig

    model = build_model(ModelConfig(name="mnist1d_cnn"), 10, (1, 40))
    logits, latent, points = model(torch.randn(5, 1, 40))
    assert logits.shape == (5, 10) and points.shape == (5, 2)
    assert latent.shape == (5, model.classifier.latent_dim) == (5, 64 * 10)
    with pytest.raises(ConfigError, match="mnist1d_cnn needs series inputs"):
        build_model(ModelConfig(name="mnist1d_cnn"), 10, (1, 8, 8))


def test_scenes_validate_and_bad_params_name_the_key():
    full = load_scene(SCENES_DIR / "mnist1d.yaml")
    small = load_scene(SCENES_DIR / "mnist1d_100.yaml")
    assert full.dataset.params == Mnist1dParams()
    assert small.dataset.params.limit_per_class == 100
    assert len(load_dataset(small.dataset, 0).train) == 1000
    with pytest.raises(ConfigError, match=r"dataset\.params\.limit_per_class: expected"):
        scene_from_dict({"dataset": {"name": "mnist1d", "params": {"limit_per_class": 0}}}, "s")
    with pytest.raises(ConfigError, match=r"dataset\.params\.shuffle: unknown key"):
        scene_from_dict({"dataset": {"name": "mnist1d", "params": {"shuffle": True}}}, "s")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "hill_arcade", *map(str, args)],
                          capture_output=True, text=True, timeout=180)


def test_cli_data_command():
    result = run_cli("data", "mnist1d")
    assert result.returncode == 0
    assert result.stdout.startswith("mnist1d: 4000 train + 1000 test series of length 40")


def test_train_with_tqdm_progress_bar(tmp_path, capsys):
    from hill_arcade.cli import main

    assert main(["train", "mnist1d_100", "--epochs", "2", "--out", str(tmp_path),
                 "--device", "cpu", "--threads", "1"]) == 0
    err = capsys.readouterr().err
    assert "epoch 1/2  val_acc" in err and "epoch 2/2  val_acc" in err
    assert "batch/s" in err or "batch]" in err  # the tqdm bar
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert len(rows) == 3 and (tmp_path / "epoch_002.pt").is_file()
