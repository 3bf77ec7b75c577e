"""Training device selection: cuda > mps > cpu unless the scene or CLI names one."""

from __future__ import annotations

import torch

from hill_arcade.errors import HillError


def pick_device(preference: str = "auto") -> torch.device:
    """Return the device to train on; an unavailable explicit choice is a HillError."""
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if preference == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if preference == "cuda" and not cuda:
        raise HillError("runtime.device: 'cuda' requested but no CUDA device is available")
    if preference == "mps" and not mps:
        raise HillError("runtime.device: 'mps' requested but Apple MPS is not available")
    return torch.device(preference)


def configure_threads(threads: int | None) -> int:
    """Set torch's intra-op threads (default leaves one core free for drawing) and make the
    calling thread, which trains, flush denormal floats to zero."""
    import os

    if threads is None:
        threads = max(1, (os.cpu_count() or 2) - 1)
    torch.set_num_threads(threads)
    # As a model converges, tiny gradients and Adam moments turn denormal and every CPU op on
    # them takes the slow path: digits epochs went from 72 to 120 ms after ~70 epochs. The
    # flag lives in this thread's FPU state (threads it starts later inherit it), so this
    # must run in the training thread.
    torch.set_flush_denormal(True)
    return threads
