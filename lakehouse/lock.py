"""One run at a time per warehouse.

The lock is an advisory `flock` on `<warehouse>/_run.lock`, held by the driver for the whole
run. The operating system releases it when the process ends however it ends (even
`kill -9`), so a crashed run never blocks the next one. It guards runs on one machine (or a
shared POSIX file system); for object storage, schedule runs one at a time
(`max_active_runs=1` in the Airflow DAG).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK_FILE = "_run.lock"


class RunInProgress(RuntimeError):
    """Another run holds the warehouse."""


@contextmanager
def warehouse_lock(warehouse: str, run_id: str, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the warehouse's run lock, waiting up to `wait_seconds` for another run to finish."""
    path = Path(warehouse) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        _acquire(handle, wait_seconds, path)
        holder = {"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname()}
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({**holder, "since": datetime.now(UTC).isoformat()}) + "\n")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle, wait_seconds: float, path: Path) -> None:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise RunInProgress(f"another run is writing to this warehouse ({holder}); lock {path}") from None
            time.sleep(0.5)
