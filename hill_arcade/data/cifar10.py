"""CIFAR-10 from the official python pickle batches (``cifar-10-batches-py``).

Splits: train is the 50,000 official training images (or, with ``limit_train=N``, the first
N of them taken round-robin over the classes in file order, so the subset is stratified and
the same for every seed). CIFAR-10 has no official validation set, so val is a seeded,
class-stratified subset of ``val_size`` images of the official 10,000-image test set and test
is the rest of the official test set (disjoint from val). Images are (N, 3, 32, 32) float32,
normalised with the usual per-channel CIFAR-10 mean and std.

The batches are pickles (the official format). They are read with a restricted unpickler
that admits only what the real files contain (dicts, lists, strings, bytes, numbers, numpy
arrays and dtypes) and refuses anything else, such as a crafted file that would call
``os.system``, with one line naming the file, before any of it runs. torchvision is used only
by :func:`download`.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from hill_arcade.config import Cifar10Params
from hill_arcade.data.base import DatasetSplits, Split
from hill_arcade.errors import DatasetError

BATCHES_DIR = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)
IMAGE_BYTES = 3 * 32 * 32


def fetch_command(root: Path | str) -> str:
    return f"hill-arcade data cifar10 --download --root {root}"


def batches_dir(root: Path) -> Path:
    """The folder holding the batches: ``root/cifar-10-batches-py``, or ``root`` itself."""
    if not (root / BATCHES_DIR).is_dir() and (root / TRAIN_FILES[0]).is_file():
        return root
    return root / BATCHES_DIR


# (module, name) pairs a CIFAR-10 batch may reference: numpy's array reconstruction (both
# numpy 1 and 2 module paths) and, in protocol-2 pickles written by Python 3, bytes objects.
_ALLOWED_GLOBALS = frozenset({
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
})


class _BatchUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the globals in `_ALLOWED_GLOBALS`."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refused {module}.{name}")
        if (module, name) == ("_codecs", "encode"):
            return _latin1_bytes
        return super().find_class(module, name)


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    """What `_codecs.encode` does for bytes in protocol-2 pickles, and nothing else."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("refused _codecs.encode with unexpected arguments")
    return text.encode("latin1")


def _unpickle(path: Path, root: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            obj = _BatchUnpickler(f, encoding="bytes").load()
    except FileNotFoundError:
        raise DatasetError(
            f"cifar10: {path} not found; fetch it with: {fetch_command(root)}"
        ) from None
    except OSError as exc:
        raise DatasetError(f"cifar10: cannot read {path} ({exc.strerror})") from None
    except pickle.UnpicklingError as exc:
        if str(exc).startswith("refused"):
            raise DatasetError(
                f"cifar10: {path} is not a CIFAR-10 batch: it asks to load code ({exc}), so it "
                f"was not read; re-download with: {fetch_command(root)}") from None
        raise _malformed(path, root, f"not a readable pickle: {exc}") from None
    except Exception as exc:  # a corrupt pickle can fail in many ways
        raise _malformed(path, root, f"not a readable pickle: {type(exc).__name__}") from None
    if not isinstance(obj, dict):
        raise _malformed(path, root, f"expected a dict, got {type(obj).__name__}")
    # The official files were pickled by Python 2: keys come back as bytes.
    return {k.decode("latin1") if isinstance(k, bytes) else str(k): v for k, v in obj.items()}


def _malformed(path: Path, root: Path, why: str) -> DatasetError:
    return DatasetError(
        f"cifar10: {path} is malformed ({why}); re-download with: {fetch_command(root)}"
    )


def read_batch(path: Path, root: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch file: uint8 images (N, 3072) and int64 labels (N,)."""
    d = _unpickle(path, root)
    if "data" not in d or "labels" not in d:
        raise _malformed(path, root, "missing 'data' or 'labels'")
    data = d["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != IMAGE_BYTES:
        shape = getattr(data, "shape", type(data).__name__)
        raise _malformed(path, root, f"'data' must be a uint8 array (N, 3072), got {shape}")
    try:
        labels = np.asarray(d["labels"], dtype=np.int64).reshape(-1)
    except (TypeError, ValueError):
        raise _malformed(path, root, "'labels' is not a list of integers") from None
    if len(labels) != len(data):
        raise _malformed(path, root, f"{len(data)} images but {len(labels)} labels")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise _malformed(path, root, "labels outside 0..9")
    return data, labels


def read_class_names(root: Path) -> list[str]:
    """Class names from ``batches.meta`` (``label_names``)."""
    path = batches_dir(root) / META_FILE
    d = _unpickle(path, root)
    names = d.get("label_names")
    if not isinstance(names, list) or len(names) != 10:
        raise _malformed(path, root, "'label_names' must be a list of 10 names")
    return [n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in names]


def read_split(root: Path, train: bool) -> tuple[np.ndarray, np.ndarray]:
    """All official training (or test) images and labels."""
    folder = batches_dir(root)
    if not folder.is_dir():
        raise DatasetError(f"cifar10: {folder} not found; fetch it with: {fetch_command(root)}")
    files = TRAIN_FILES if train else (TEST_FILE,)
    parts = [read_batch(folder / name, root) for name in files]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def stratified_take(labels: np.ndarray, n: int, rng: np.random.Generator | None) -> np.ndarray:
    """``n`` indices taken round-robin over the classes (sorted).

    Within a class, samples are taken in file order, or in a random order when ``rng`` is given.
    """
    rank = np.empty(len(labels), dtype=np.int64)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        rank[idx] = np.arange(len(idx)) if rng is None else rng.permutation(len(idx))
    order = np.lexsort((labels, rank))  # by within-class rank, then class
    return np.sort(order[:n])


def normalise(data: np.ndarray) -> torch.Tensor:
    """uint8 (N, 3072) -> float32 (N, 3, 32, 32) normalised per channel."""
    x = torch.from_numpy(np.ascontiguousarray(data)).view(-1, 3, 32, 32).to(torch.float32)
    mean = torch.tensor(MEAN).view(1, 3, 1, 1) * 255.0
    std = torch.tensor(STD).view(1, 3, 1, 1) * 255.0
    return x.sub_(mean).div_(std)


def random_crop_flip(
    x: torch.Tensor, padding: int = 4, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Random crop (reflect-padded by ``padding``) and random horizontal flip, per sample.

    One gather for the whole batch, on the batch's device; returns a new tensor of the same shape.
    """
    n, c, h, w = x.shape
    dev = x.device
    padded = F.pad(x, (padding, padding, padding, padding), mode="reflect")
    oy = torch.randint(0, 2 * padding + 1, (n, 1), device=dev, generator=generator)
    ox = torch.randint(0, 2 * padding + 1, (n, 1), device=dev, generator=generator)
    flip = torch.rand((n, 1), device=dev, generator=generator) < 0.5
    ar_w = torch.arange(w, device=dev)
    rows = oy + torch.arange(h, device=dev)
    cols = torch.where(flip, ox + (w - 1) - ar_w, ox + ar_w)
    # Flat index into each padded image, shared by its channels (expand: no copy).
    flat = (rows.view(n, h, 1) * (w + 2 * padding) + cols.view(n, 1, w)).view(n, 1, h * w)
    out = padded.reshape(n, c, -1).gather(2, flat.expand(n, c, h * w))
    return out.view(n, c, h, w)


def load_cifar10(params: Cifar10Params, seed: int, root: Path) -> DatasetSplits:
    """Load CIFAR-10 from ``root`` (see the module docstring for the splits)."""
    class_names = read_class_names(root)
    x_train, y_train = read_split(root, train=True)
    x_test, y_test = read_split(root, train=False)
    if params.limit_train is not None and params.limit_train < len(y_train):
        keep = stratified_take(y_train, params.limit_train, rng=None)
        x_train, y_train = x_train[keep], y_train[keep]
    if params.val_size >= len(y_test):
        raise DatasetError(
            f"cifar10: val_size {params.val_size} must be smaller than the "
            f"{len(y_test)}-image official test set it is taken from"
        )
    val_idx = stratified_take(y_test, params.val_size, np.random.default_rng(seed))
    test_mask = np.ones(len(y_test), dtype=bool)
    test_mask[val_idx] = False

    def split(data: np.ndarray, labels: np.ndarray) -> Split:
        return Split(normalise(data), torch.from_numpy(np.ascontiguousarray(labels)))

    return DatasetSplits(
        train=split(x_train, y_train),
        val=split(x_test[val_idx], y_test[val_idx]),
        test=split(x_test[test_mask], y_test[test_mask]),
        class_names=class_names,
        input_shape=(3, 32, 32),
        augment=random_crop_flip if params.augment else None,
        render_sample=render_sample,
    )


def render_sample(x: torch.Tensor | np.ndarray) -> np.ndarray:
    """A normalised (3, 32, 32) image back to uint8 RGB (32, 32, 3), as it was photographed."""
    arr = np.asarray(x, np.float32).reshape(3, 32, 32)
    rgb = arr * np.asarray(STD, np.float32)[:, None, None] + np.asarray(MEAN, np.float32)[:, None,
                                                                                         None]
    return (np.clip(rgb, 0.0, 1.0) * 255 + 0.5).astype(np.uint8).transpose(1, 2, 0)


def describe(root: Path) -> str:
    """One-line status after reading every batch (raises DatasetError when anything is wrong)."""
    read_class_names(root)
    n_train = len(read_split(root, train=True)[1])
    n_test = len(read_split(root, train=False)[1])
    return f"cifar10: found {n_train} train / {n_test} test images in {batches_dir(root)}"


def download(root: Path) -> str:
    """Download and extract the official archive into ``root`` (torchvision), then check it."""
    root.mkdir(parents=True, exist_ok=True)  # a bad --root fails before torchvision loads
    from torchvision.datasets import CIFAR10

    try:
        for train in (True, False):
            CIFAR10(str(root), train=train, download=True)
    except (OSError, RuntimeError) as exc:
        raise DatasetError(f"cifar10: download into {root} failed: {exc}") from None
    return describe(root)
