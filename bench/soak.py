"""Kiosk soak test: 200 simulated visitor cycles on the real TrainerWorker (digits, headless).

Per cycle: a few attract-style class moves become HILL targets, then a 1-epoch round. Every
10th cycle is an auto-reset to the pristine model; every 25th injects a fault (alternately a
non-finite loss and a dead trainer thread) that the watchdog must recover. Reports RSS growth
after a 10-cycle warm-up, recovered faults and total seconds.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from hill_arcade.config import DisplayConfig, SceneConfig
from hill_arcade.data import load_dataset
from hill_arcade.kiosk.attract import AttractScript, apply_move
from hill_arcade.kiosk.watchdog import Watchdog
from hill_arcade.shared import Command, CommandKind, SharedBuffer, Targets, TrainerState
from hill_arcade.training.loss import targets_from_points
from hill_arcade.training.trainer import Trainer
from hill_arcade.training.worker import TrainerWorker

CYCLES = 200
WARMUP = 10
RESET_EVERY = 10
FAULT_EVERY = 25
MOVES_PER_CYCLE = 3
TIMEOUT_S = 60.0


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc), NaN elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


class Soak:
    def __init__(self, workdir: Path) -> None:
        self.scene = SceneConfig(display=DisplayConfig(per_class=10))
        self.buffer = SharedBuffer()
        self.events: list[dict] = []
        self.pristine = workdir / "pristine.pt"
        self.dog = Watchdog(self.make_worker, self.buffer, self.pristine, self.events.append,
                            state_dir=workdir / "state", restart_backoff_s=0.0)
        self.script = AttractScript(10, seed=0, moves_per_round=MOVES_PER_CYCLE)
        self.rounds = 0
        self.worker_events: list[dict] = []  # drained from the buffer, as the UI thread does

    def make_worker(self) -> TrainerWorker:
        return TrainerWorker(self.scene, self.buffer,
                             trainer_factory=lambda s: Trainer(s, load_dataset(s.dataset, 0),
                                                               device="cpu"))

    def wait(self, predicate, what: str) -> None:
        end = time.monotonic() + TIMEOUT_S
        while time.monotonic() < end:
            self.dog.check()
            self.worker_events += self.buffer.take_events()
            if predicate():
                return
            time.sleep(0.005)
        raise TimeoutError(f"soak: timed out waiting for {what} ({self.buffer.progress()})")

    def idle(self) -> bool:
        return self.buffer.progress().state is TrainerState.IDLE

    def start(self) -> None:
        self.dog.start()
        self.wait(self.idle, "the first load")
        self.buffer.send(Command(CommandKind.RUN_ROUND, 1))  # learn the projection once
        self.wait(lambda: self.idle() and self.buffer.latest().epoch == 1, "pretraining")
        self.buffer.send(Command(CommandKind.SAVE, self.pristine))
        self.wait(self.pristine.exists, "the pristine checkpoint")

    def run_round(self) -> bool:
        """One 1-epoch round; True if it finished, False if it failed (and was recovered)."""
        seen = len(self.worker_events)
        recovered = self.dog.recovered
        self.buffer.send(Command(CommandKind.RUN_ROUND, 1))
        self.wait(lambda: any(e["type"] in ("round_end", "error")
                              for e in self.worker_events[seen:]), "the round to end")
        self.rounds += 1
        if self.worker_events[-1]["type"] == "round_end":
            return True
        self.wait(lambda: self.dog.recovered > recovered and self.idle()
                  and self.buffer.progress().error is None, "recovery")
        return False

    def cycle(self, n: int) -> None:
        snap = self.buffer.latest()
        points, labels = snap.points, snap.labels
        for _ in range(MOVES_PER_CYCLE):
            move = self.script.next_move(points, labels)
            if move is None:
                break
            points = apply_move(points, labels, move)
        self.script.round_started()
        centers, spreads = targets_from_points(points, labels, 10)
        if n % FAULT_EVERY == 0 and (n // FAULT_EVERY) % 2 == 1:
            spreads = np.full(10, 3e38, np.float32)  # non-finite loss
        if n % FAULT_EVERY == 0 and (n // FAULT_EVERY) % 2 == 0:
            recovered = self.dog.recovered
            self.dog.worker.stop()  # the trainer thread dies mid-visit
            self.wait(lambda: self.dog.recovered > recovered and self.idle(), "a restart")
        self.buffer.set_targets(Targets(centers, spreads))
        if self.run_round():
            self.dog.snapshot_good()
        del self.worker_events[:-50]  # the bench's own list must not grow with the cycles
        if n % RESET_EVERY == 0:
            self.dog.reset_to_pristine()
            self.script.reset()
            self.wait(lambda: self.idle() and self.buffer.latest().epoch == 1, "the reset")


def run() -> list[str]:
    """Soak the kiosk core; one report line."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hill-soak-") as tmp:
        soak = Soak(Path(tmp))
        try:
            soak.start()
            base = rss_mb()
            trace = []
            for n in range(1, CYCLES + 1):
                soak.cycle(n)
                if n == WARMUP:
                    base = rss_mb()
                if n % (CYCLES // 4) == 0:
                    trace.append(f"{rss_mb():.0f}")
            grown = rss_mb() - base
            leftovers = len(list((Path(tmp) / "state").glob("last-good-*.pt")))
        finally:
            soak.dog.close()
    seconds = time.perf_counter() - started
    expected = CYCLES // FAULT_EVERY
    return [f"kiosk soak: {CYCLES} visitor cycles ({soak.rounds} rounds, reset every "
            f"{RESET_EVERY}, fault every {FAULT_EVERY}) on {os.cpu_count()} CPUs: "
            f"RSS growth {grown:+.1f} MB after {WARMUP}-cycle warm-up (RSS at each quarter "
            f"{' / '.join(trace)} MB) | recovered faults "
            f"{soak.dog.recovered}/{expected} | last-good files left {leftovers} | "
            f"{seconds:.1f} s"]


if __name__ == "__main__":
    for line in run():
        print(line)
