"""Run a command and record the peak memory of its whole process tree (driver, JVM, workers)."""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass

import psutil

POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mb: float  # proportional set size: pages shared by forked workers counted once
    peak_rss_mb: float  # plain resident sizes summed: an upper bound that counts shared pages twice
    returncode: int
    stdout: str
    stderr: str


def _tree_memory(root: psutil.Process) -> tuple[int, int]:
    pss = rss = 0
    for process in [root, *root.children(recursive=True)]:
        try:
            info = process.memory_full_info()
        except psutil.Error:
            continue  # it ended between listing and reading
        pss += info.pss
        rss += info.rss
    return pss, rss


def run_measured(command: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None) -> Measured:
    """Wall time and peak summed RSS of `command` and all its descendants, sampled every 50 ms."""
    started = time.monotonic()
    child = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(child.pid)
    peak_pss = peak_rss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss, peak_rss
        while not done.is_set():
            try:
                pss, rss = _tree_memory(root)
            except psutil.Error:
                return
            peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
            time.sleep(POLL_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = child.communicate()
    done.set()
    sampler.join()
    seconds = time.monotonic() - started
    return Measured(seconds, peak_pss / 1e6, peak_rss / 1e6, child.returncode, stdout, stderr)
