"""Dataset loaders, through the real code paths on fixture files in the real formats."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from hill_arcade.config import (
    Cifar10Params,
    DatasetConfig,
    DigitsParams,
    Pamap2Params,
    scene_from_dict,
)
from hill_arcade.data import default_root, fetch_dataset, load_dataset
from hill_arcade.data.base import DatasetSplits, Split
from hill_arcade.data.cifar10 import MEAN, STD, random_crop_flip
from hill_arcade.data.digits import stratified_fractions
from hill_arcade.data.pamap2 import CHANNEL_COLUMNS, DOWNLOAD_URL, fill_nans
from hill_arcade.errors import DatasetError
from tests.data_fixtures import (
    CIFAR10_CLASSES,
    pamap2_layout,
    pamap2_rows,
    write_cifar10_fixture,
    write_pamap2_fixture,
    write_pamap2_subject,
)

FETCH = "hill-arcade data cifar10 --download --root"


def tiny_plugin(params: dict, seed: int, root: str | None) -> DatasetSplits:
    """A plugin factory used through its dotted path ``tests.test_data:tiny_plugin``."""
    n = int(params.get("n", 6))
    gen = torch.Generator().manual_seed(seed)

    def split() -> Split:
        return Split(torch.randn(n, 2, generator=gen), torch.arange(n) % 2)

    return DatasetSplits(split(), split(), split(), [f"{root}", "b"], (2,))


def wrong_plugin(params: dict, seed: int, root: str | None) -> object:
    return {"train": None}


def float_labels_plugin(params: dict, seed: int, root: str | None) -> DatasetSplits:
    s = Split(torch.zeros(4, 2), torch.zeros(4))
    return DatasetSplits(s, s, s, ["a"], (2,))


NOT_CALLABLE = 3


def one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


# digits ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits() -> DatasetSplits:
    return load_dataset(DatasetConfig("digits", params=DigitsParams()), seed=0)


def test_digits_shape_range_and_names(digits: DatasetSplits) -> None:
    assert digits.input_shape == (1, 8, 8)
    assert digits.class_names == [str(i) for i in range(10)]
    assert len(digits.train) + len(digits.val) + len(digits.test) == 1797
    for split in (digits.train, digits.val, digits.test):
        assert split.x.dtype == torch.float32 and split.y.dtype == torch.int64
        assert split.x.shape[1:] == (1, 8, 8)
        assert split.x.min() >= 0 and split.x.max() <= 1
    assert digits.train.x.max() == 1.0
    assert digits.augment is None


def test_digits_split_sizes_are_stratified(digits: DatasetSplits) -> None:
    from sklearn.datasets import load_digits

    per_class = np.bincount(load_digits().target)
    val_counts = np.bincount(digits.val.y.numpy(), minlength=10)
    test_counts = np.bincount(digits.test.y.numpy(), minlength=10)
    expected = np.floor(per_class * 0.15 + 0.5).astype(int)
    assert (val_counts == expected).all() and (test_counts == expected).all()
    assert (np.bincount(digits.train.y.numpy()) == per_class - 2 * expected).all()


def test_digits_split_is_deterministic_and_seeded() -> None:
    cfg = DatasetConfig("digits", params=DigitsParams(val_fraction=0.2, test_fraction=0.1))
    a, b, c = load_dataset(cfg, 3), load_dataset(cfg, 3), load_dataset(cfg, 4)
    assert torch.equal(a.val.x, b.val.x) and torch.equal(a.train.y, b.train.y)
    assert not torch.equal(a.val.x, c.val.x)
    assert len(a.val) == len(c.val)


def test_digits_split_indices_are_disjoint_and_pinned() -> None:
    labels = np.repeat(np.arange(3), 10)
    val, test, train = stratified_fractions(labels, (0.2, 0.3), seed=0)
    assert sorted(np.concatenate([val, test, train]).tolist()) == list(range(30))
    assert np.bincount(labels[val]).tolist() == [2, 2, 2]
    assert np.bincount(labels[test]).tolist() == [3, 3, 3]
    # default_rng(seed) is the same everywhere: pin it, so a change of split is noticed.
    assert val.tolist() == [4, 6, 12, 19, 24, 25]


def test_digits_fractions_leaving_no_training_data_fail() -> None:
    cfg = DatasetConfig("digits", params=DigitsParams(val_fraction=0.5, test_fraction=0.5))
    with pytest.raises(DatasetError, match="val_fraction"):
        load_dataset(cfg, 0)


# cifar10 -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cifar_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_cifar10_fixture(tmp_path_factory.mktemp("cifar"), per_class_train=3,
                                 per_class_test=3)


def cifar_cfg(root: Path, **params) -> DatasetConfig:
    return DatasetConfig("cifar10", root=str(root), params=Cifar10Params(**params))


def raw_batch(path: Path) -> tuple[np.ndarray, list[int]]:
    with open(path, "rb") as f:
        d = pickle.load(f, encoding="bytes")
    return d[b"data"], d[b"labels"]


def test_cifar10_shapes_names_and_splits(cifar_root: Path) -> None:
    data = load_dataset(cifar_cfg(cifar_root, val_size=10), seed=0)
    assert data.class_names == list(CIFAR10_CLASSES)
    assert data.input_shape == (3, 32, 32)
    assert data.train.x.shape == (30, 3, 32, 32) and data.train.x.dtype == torch.float32
    assert len(data.val) == 10 and len(data.test) == 20
    assert np.bincount(data.val.y.numpy()).tolist() == [1] * 10
    assert np.bincount(data.test.y.numpy()).tolist() == [2] * 10
    assert data.train.y.dtype == torch.int64
    assert data.augment is random_crop_flip


def test_cifar10_val_and_test_partition_the_official_test_set(cifar_root: Path) -> None:
    data = load_dataset(cifar_cfg(cifar_root, val_size=7), seed=1)
    raw, _ = raw_batch(cifar_root / "cifar-10-batches-py" / "test_batch")
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    restored = torch.cat([data.val.x, data.test.x]) * std + mean
    restored = (restored * 255).round().to(torch.uint8).reshape(-1, 3072).numpy()
    assert sorted(map(bytes, restored)) == sorted(map(bytes, raw))


def test_cifar10_normalisation_matches_raw_pixels(cifar_root: Path) -> None:
    data = load_dataset(cifar_cfg(cifar_root, val_size=10), seed=0)
    folder = cifar_root / "cifar-10-batches-py"
    parts = [raw_batch(folder / f"data_batch_{i}") for i in range(1, 6)]
    raw = np.concatenate([p[0] for p in parts]).reshape(-1, 3, 32, 32)
    labels = sum((p[1] for p in parts), [])
    assert data.train.y.tolist() == labels
    expected = (torch.from_numpy(raw).float() / 255 - torch.tensor(MEAN).view(1, 3, 1, 1)) \
        / torch.tensor(STD).view(1, 3, 1, 1)
    torch.testing.assert_close(data.train.x, expected)


def test_cifar10_val_is_seeded(cifar_root: Path) -> None:
    a = load_dataset(cifar_cfg(cifar_root, val_size=10), seed=0)
    b = load_dataset(cifar_cfg(cifar_root, val_size=10), seed=0)
    c = load_dataset(cifar_cfg(cifar_root, val_size=10), seed=5)
    assert torch.equal(a.val.x, b.val.x)
    assert not torch.equal(a.val.x, c.val.x)


def test_cifar10_limit_train_is_stratified(cifar_root: Path) -> None:
    data = load_dataset(cifar_cfg(cifar_root, val_size=10, limit_train=15, augment=False), 0)
    assert len(data.train) == 15
    assert np.bincount(data.train.y.numpy()).tolist() == [2] * 5 + [1] * 5
    assert data.augment is None


def test_cifar10_val_size_too_large(cifar_root: Path) -> None:
    with pytest.raises(DatasetError, match="val_size 30"):
        load_dataset(cifar_cfg(cifar_root, val_size=30), 0)


def test_augment_keeps_shape_and_changes_images() -> None:
    x = torch.randn(64, 3, 32, 32)
    out = random_crop_flip(x, generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    changed = (out != x).flatten(1).any(1)
    assert changed.sum() > 50


def test_augment_is_a_crop_of_the_padded_image_or_its_mirror() -> None:
    x = torch.randn(16, 3, 12, 10)
    out = random_crop_flip(x, padding=2, generator=torch.Generator().manual_seed(1))
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2), mode="reflect")
    flips = 0
    for i in range(len(x)):
        found = None
        for oy in range(5):
            for ox in range(5):
                crop = padded[i, :, oy:oy + 12, ox:ox + 10]
                if torch.equal(out[i], crop):
                    found = "plain"
                elif torch.equal(out[i], crop.flip(-1)):
                    found = "flip"
        assert found is not None
        flips += found == "flip"
    assert 0 < flips < len(x)


def test_augment_flip_only_with_no_padding() -> None:
    x = torch.randn(40, 3, 8, 8)
    out = random_crop_flip(x, padding=0, generator=torch.Generator().manual_seed(2))
    same = (out == x).flatten(1).all(1)
    mirrored = (out == x.flip(-1)).flatten(1).all(1)
    assert (same | mirrored).all()
    assert same.any() and mirrored.any()


def test_cifar10_missing_root_names_path_and_fetch_command(tmp_path: Path) -> None:
    root = tmp_path / "nowhere"
    with pytest.raises(DatasetError) as exc:
        load_dataset(cifar_cfg(root, val_size=10), 0)
    msg = one_line(exc)
    assert str(root / "cifar-10-batches-py") in msg
    assert f"{FETCH} {root}" in msg


def test_cifar10_missing_batch_file(tmp_path: Path) -> None:
    root = write_cifar10_fixture(tmp_path)
    missing = root / "cifar-10-batches-py" / "data_batch_4"
    missing.unlink()
    with pytest.raises(DatasetError) as exc:
        load_dataset(cifar_cfg(root, val_size=10), 0)
    assert str(missing) in one_line(exc) and FETCH in str(exc.value)


@pytest.mark.parametrize("content", [
    b"this is not a pickle",
    pickle.dumps({b"labels": [1, 2]}),
    pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [1, 2]}),
    pickle.dumps([1, 2, 3]),
])
def test_cifar10_malformed_batch_names_the_file(tmp_path: Path, content: bytes) -> None:
    root = write_cifar10_fixture(tmp_path)
    bad = root / "cifar-10-batches-py" / "data_batch_3"
    bad.write_bytes(content)
    with pytest.raises(DatasetError) as exc:
        load_dataset(cifar_cfg(root, val_size=10), 0)
    msg = one_line(exc)
    assert str(bad) in msg and "malformed" in msg and FETCH in msg


def test_cifar10_accepts_the_batches_folder_itself(cifar_root: Path) -> None:
    data = load_dataset(cifar_cfg(cifar_root / "cifar-10-batches-py", val_size=10), 0)
    assert len(data.train) == 30


def test_cifar10_default_root_honours_env(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("HILL_DATA_DIR", raising=False)
    assert default_root("cifar10") == Path("data") / "cifar10"
    write_cifar10_fixture(tmp_path / "cifar10")
    monkeypatch.setenv("HILL_DATA_DIR", str(tmp_path))
    data = load_dataset(DatasetConfig("cifar10", params=Cifar10Params(val_size=10)), 0)
    assert len(data.train) == 30


def test_fetch_cifar10_reports_counts(cifar_root: Path, tmp_path: Path) -> None:
    msg = fetch_dataset("cifar10", str(cifar_root), download=False)
    folder = cifar_root / "cifar-10-batches-py"
    assert msg == f"cifar10: found 30 train / 30 test images in {folder}"
    with pytest.raises(DatasetError, match="--download"):
        fetch_dataset("cifar10", str(tmp_path / "empty"), download=False)


def test_fetch_other_names() -> None:
    assert fetch_dataset("digits", None, download=True).startswith("digits: 1797 images")
    with pytest.raises(DatasetError, match="unknown dataset"):
        fetch_dataset("mnist", None, download=False)


# pamap2 ------------------------------------------------------------------------------------


SUBJECTS = (101, 102, 103, 104)


@pytest.fixture(scope="module")
def pamap2_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pamap2_fixture(tmp_path_factory.mktemp("pamap2"), subjects=SUBJECTS, seconds=20)


def pamap2_cfg(root: Path, **params) -> DatasetConfig:
    params.setdefault("train_subjects", [101, 102])
    params.setdefault("val_subjects", [103])
    params.setdefault("test_subjects", [104])
    return DatasetConfig("pamap2", root=str(root), params=Pamap2Params(**params))


def expected_windows(segments: list[tuple[int, int]], window: int, step: int) -> int:
    """Count windows independently: runs of non-zero rows, halved to 50 Hz."""
    labels = np.concatenate([np.full(n, a) for a, n in segments])
    count, run = 0, 0
    for a in [*labels, 0]:
        if a:
            run += 1
            continue
        m = run // 2
        count += (m - window) // step + 1 if m >= window else 0
        run = 0
    return count


def test_pamap2_shapes_channels_and_classes(pamap2_root: Path) -> None:
    data = load_dataset(pamap2_cfg(pamap2_root, window=100, step=50), 0)
    assert len(CHANNEL_COLUMNS) == 27
    assert data.input_shape == (27, 100)
    assert data.class_names == ["lying", "sitting", "walking", "rope jumping"]
    for split in (data.train, data.val, data.test):
        assert split.x.shape[1:] == (27, 100) and split.x.dtype == torch.float32
        assert split.y.dtype == torch.int64
        assert not torch.isnan(split.x).any()
    assert data.augment is None


@pytest.mark.parametrize(("window", "step"), [(100, 50), (64, 16), (30, 7)])
def test_pamap2_window_counts_and_subject_split(pamap2_root: Path, window: int,
                                                step: int) -> None:
    data = load_dataset(pamap2_cfg(pamap2_root, window=window, step=step), 0)
    per_subject = expected_windows(pamap2_layout(20, (1, 2, 4, 24)), window, step)
    assert per_subject > 0
    assert (len(data.train), len(data.val), len(data.test)) == (
        2 * per_subject, per_subject, per_subject)


def test_pamap2_standardised_on_train_subjects_only(pamap2_root: Path) -> None:
    data = load_dataset(pamap2_cfg(pamap2_root), 0)
    x = data.train.x.double()
    torch.testing.assert_close(x.mean((0, 2)), torch.zeros(27, dtype=torch.float64),
                               atol=1e-4, rtol=0)
    torch.testing.assert_close(x.std((0, 2)), torch.ones(27, dtype=torch.float64),
                               atol=1e-3, rtol=0)
    # Subject 104's accelerometers are offset: its mean is visibly not 0 (not refitted).
    acc_channels = [0, 1, 2, 9, 10, 11, 18, 19, 20]
    assert (data.test.x.double().mean((0, 2))[acc_channels] > 0.2).all()
    # Changing the training subjects changes how val is scaled.
    other = load_dataset(pamap2_cfg(pamap2_root, train_subjects=[101]), 0)
    assert not torch.allclose(other.val.x, data.val.x)


def test_pamap2_majority_label_and_tie(tmp_path: Path) -> None:
    # 120 rows lying then 80 rows sitting, no transient: 60 + 40 samples at 50 Hz.
    rows = pamap2_rows([(0, 10), (1, 120), (2, 80), (0, 10)], seed=7)
    for sid in (101, 102, 103):
        write_pamap2_subject(tmp_path / f"subject{sid}.dat", rows)
    data = load_dataset(pamap2_cfg(tmp_path, window=50, step=5, train_subjects=[101],
                                   val_subjects=[102], test_subjects=[103]), 0)
    assert data.class_names == ["lying", "sitting"]
    starts = np.arange(0, 51, 5)
    lying = np.clip(60 - starts, 0, 50)
    expected = np.where(lying >= 25, 0, 1)  # a 25/25 tie goes to the lower id (lying)
    assert data.train.y.tolist() == expected.tolist()
    assert 35 in starts.tolist()  # the tie case is covered


def test_pamap2_class_list_is_union_of_loaded_subjects(tmp_path: Path) -> None:
    write_pamap2_fixture(tmp_path, subjects=(101, 102), seconds=12, activities=(1, 4))
    write_pamap2_fixture(tmp_path, subjects=(103,), seconds=12, activities=(5, 17))
    data = load_dataset(pamap2_cfg(tmp_path, train_subjects=[101], val_subjects=[102],
                                   test_subjects=[103], window=50, step=25), 0)
    assert data.class_names == ["lying", "walking", "running", "ironing"]
    assert set(data.test.y.tolist()) == {2, 3}
    assert set(data.train.y.tolist()) == {0, 1}


def test_fill_nans_interpolates_linearly_with_nearest_edges() -> None:
    col = np.array([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan])
    out = fill_nans(np.stack([col, np.full(6, np.nan), np.arange(6.0)], axis=1))
    assert out[:, 0].tolist() == [1.0, 1.0, 2.0, 3.0, 4.0, 4.0]
    assert out[:, 1].tolist() == [0.0] * 6
    assert out[:, 2].tolist() == list(range(6))


@pytest.mark.parametrize("layout", ["", "Protocol", "PAMAP2_Dataset/Protocol"])
def test_pamap2_root_layouts(tmp_path: Path, layout: str) -> None:
    rows = pamap2_rows([(0, 20), (3, 300)], seed=1)
    for sid in (101, 102, 103):
        write_pamap2_subject(tmp_path / layout / f"subject{sid}.dat", rows)
    data = load_dataset(pamap2_cfg(tmp_path, window=50, step=50, train_subjects=[101],
                                   val_subjects=[102], test_subjects=[103]), 0)
    assert len(data.train) == 3 and data.class_names == ["standing"]
    assert fetch_dataset("pamap2", str(tmp_path), download=True).startswith(
        "pamap2: found 3 subject files (subject101, subject102, subject103)")


def test_pamap2_missing_root_explains_download(tmp_path: Path) -> None:
    root = tmp_path / "nothing"
    for call in (lambda: load_dataset(pamap2_cfg(root), 0),
                 lambda: fetch_dataset("pamap2", str(root), download=True)):
        with pytest.raises(DatasetError) as exc:
            call()
        msg = one_line(exc)
        assert str(root) in msg and DOWNLOAD_URL in msg
        assert str(root / "Protocol" / "subject101.dat") in msg


def test_pamap2_missing_subject_names_file(pamap2_root: Path) -> None:
    with pytest.raises(DatasetError) as exc:
        load_dataset(pamap2_cfg(pamap2_root, test_subjects=[109]), 0)
    assert str(pamap2_root / "Protocol" / "subject109.dat") in one_line(exc)
    assert "test_subjects" in str(exc.value)


def test_pamap2_overlapping_subjects_fail(pamap2_root: Path) -> None:
    with pytest.raises(DatasetError, match="subject 102 is in both train_subjects and val"):
        load_dataset(pamap2_cfg(pamap2_root, val_subjects=[102]), 0)


def malformed_root(tmp_path: Path, edit) -> Path:
    rows = pamap2_rows([(0, 20), (3, 300)], seed=1)
    for sid in (101, 102, 103):
        path = write_pamap2_subject(tmp_path / "Protocol" / f"subject{sid}.dat", rows)
    lines = (tmp_path / "Protocol" / "subject102.dat").read_text().splitlines()
    edit(lines)
    (tmp_path / "Protocol" / "subject102.dat").write_text("\n".join(lines) + "\n")
    return path.parent / "subject102.dat"


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda lines: lines.__setitem__(6, " ".join(lines[6].split()[:53])),
     "line 7: expected 54 columns, got 53"),
    (lambda lines: lines.__setitem__(4, lines[4].replace(" ", " abc ", 1)),
     "line 5: expected 54 columns, got 55"),
    (lambda lines: lines.__setitem__(9, lines[9].rsplit(" ", 1)[0] + " x1"),
     "line 10, column 54: 'x1' is not a number"),
    (lambda lines: [lines.__setitem__(i, " ".join(lines[i].split()[:50]))
                    for i in range(len(lines))],
     "line 1: expected 54 columns, got 50"),
    (lambda lines: lines.__setitem__(30, lines[30].replace(" 3 ", " 8 ", 1)),
     "line 31: unknown activityID 8"),
    (lambda lines: lines.clear(), "holds no data"),
])
def test_pamap2_malformed_file_names_file_and_line(tmp_path: Path, edit, expected: str) -> None:
    bad = malformed_root(tmp_path, edit)
    with pytest.raises(DatasetError) as exc:
        load_dataset(pamap2_cfg(tmp_path, window=50, step=50, train_subjects=[101],
                                val_subjects=[102], test_subjects=[103]), 0)
    msg = one_line(exc)
    assert str(bad) in msg and expected in msg


def test_pamap2_too_short_for_window(pamap2_root: Path) -> None:
    with pytest.raises(DatasetError, match="give no windows of 1000 samples"):
        load_dataset(pamap2_cfg(pamap2_root, window=1000), 0)


# plugins -----------------------------------------------------------------------------------


def test_plugin_dotted_path_through_scene_config(tmp_path: Path) -> None:
    scene = scene_from_dict({"dataset": {"name": "tests.test_data:tiny_plugin",
                                         "root": str(tmp_path), "params": {"n": 5}}})
    data = load_dataset(scene.dataset, seed=2)
    assert len(data.train) == 5 and data.class_names == [str(tmp_path), "b"]
    again = load_dataset(scene.dataset, seed=2)
    assert torch.equal(data.train.x, again.train.x)


def test_plugin_without_params() -> None:
    data = load_dataset(DatasetConfig("tests.test_data:tiny_plugin"), seed=0)
    assert len(data.val) == 6 and data.class_names[0] == "None"


@pytest.mark.parametrize(("name", "expected"), [
    ("no_such_pkg_hill.mod:build", "cannot import 'no_such_pkg_hill.mod'"),
    ("tests.test_data:missing", "module 'tests.test_data' has no 'missing'"),
    ("tests.test_data:NOT_CALLABLE", "'NOT_CALLABLE' is not callable"),
    ("tests.test_data:wrong_plugin", "returned dict, expected"),
    ("tests.test_data:float_labels_plugin", "train.y must be int64"),
    ("tests.test_data:", "expected 'package.module:function'"),
])
def test_bad_plugin_paths_fail_clearly(name: str, expected: str) -> None:
    with pytest.raises(DatasetError) as exc:
        load_dataset(DatasetConfig(name, params={}), 0)
    msg = one_line(exc)
    assert repr(name) in msg and expected in msg


def test_plugin_module_in_working_directory(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "hill_cwd_plugin.py").write_text(
        "from tests.test_data import tiny_plugin as build\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    path_before = list(sys.path)
    try:
        data = load_dataset(DatasetConfig("hill_cwd_plugin:build", params={"n": 3}), 0)
    finally:
        sys.modules.pop("hill_cwd_plugin", None)
    assert len(data.test) == 3
    assert sys.path == path_before


def test_every_builtin_dataset_renders_a_sample_for_the_inspector(tmp_path):
    """Digits and CIFAR-10 as images a person recognises, PAMAP2 as a series (sparkline)."""
    import numpy as np

    from hill_arcade.data import cifar10, digits, pamap2

    img = digits.render_sample(np.full((1, 8, 8), 1.0, np.float32))
    assert img.shape == (8, 8, 3) and img.dtype == np.uint8 and (img == 0).all()  # full ink
    mean = np.asarray(cifar10.MEAN, np.float32)[:, None, None]
    std = np.asarray(cifar10.STD, np.float32)[:, None, None]
    red = (np.stack([np.ones((32, 32)), np.zeros((32, 32)), np.zeros((32, 32))]) - mean) / std
    rgb = cifar10.render_sample(red.astype(np.float32))
    assert rgb.shape == (32, 32, 3) and tuple(rgb[5, 5]) == (255, 0, 0)
    window = np.zeros((len(pamap2.CHANNEL_COLUMNS), 50), np.float32)
    window[0:3, 10] = (3.0, 0.0, 4.0)
    series = pamap2.render_sample(window)
    assert series.shape == (50,) and series[10] == 5.0 and series[0] == 0.0
