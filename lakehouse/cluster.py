"""A Spark standalone cluster on this machine: one master and one worker on 127.0.0.1.

    python -m lakehouse.cluster up     # what `make cluster-up` runs
    python -m lakehouse.cluster down   # `make cluster-down`
    python -m lakehouse.cluster pack   # the job's code as a zip for spark-submit --py-files

The daemons are the installed pyspark's own Master and Worker classes (the pip package has
no sbin/start-*.sh scripts), started in the background with their process ids, logs and
scratch space under one state folder, so that `down` stops exactly what `up` started.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# Packages the executors import; the job's entry script travels as the application itself.
SHIPPED_PACKAGES = ("lakehouse", "udfs")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterSpec:
    state_dir: Path = PROJECT_ROOT / ".cluster"
    master_port: int = 7077
    master_ui_port: int = 8080
    worker_ui_port: int = 8081
    worker_cores: int = 2
    worker_memory: str = "6g"

    @property
    def master_url(self) -> str:
        return f"spark://{HOST}:{self.master_port}"


def spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _daemon_env(spec: ClusterSpec) -> dict[str, str]:
    return {
        **os.environ,
        "SPARK_LOCAL_IP": HOST,
        "SPARK_LOG_DIR": str(spec.state_dir / "logs"),
        # Executors run the project's interpreter unless a submission says otherwise.
        "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
    }


def _start(name: str, args: list[str], spec: ClusterSpec) -> int:
    logs = spec.state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / f"{name}.log").open("ab") as log:
        process = subprocess.Popen(
            [str(spark_class()), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_daemon_env(spec),
            cwd=spec.state_dir,
            start_new_session=True,  # its own process group: `down` stops it and its children
        )
    (spec.state_dir / f"{name}.pid").write_text(f"{process.pid}\n")
    return process.pid


def _require_free(port: int) -> None:
    """Refuse to start beside someone else's master: Spark would move to the next port and
    our worker would join whatever answers on this one."""
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            raise RuntimeError(f"{HOST}:{port} is already in use by another process; stop it or choose another port")


def _wait_for_port(port: int, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"{what} did not open {HOST}:{port} within {timeout:.0f} s")


def _wait_for_worker(spec: ClusterSpec, timeout: float) -> None:
    """The master's UI lists a registered worker once it can take executors."""
    import json
    from urllib.error import URLError
    from urllib.request import urlopen

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://{HOST}:{spec.master_ui_port}/json/", timeout=5) as response:
                workers = json.load(response).get("workers", [])
        except (URLError, ConnectionError):  # the UI opens a little after the master's port
            workers = []
        if any(worker.get("state") == "ALIVE" for worker in workers):
            return
        time.sleep(0.5)
    raise TimeoutError(f"no worker registered with {spec.master_url} within {timeout:.0f} s")


def running_pid(spec: ClusterSpec, name: str) -> int | None:
    pid_file = spec.state_dir / f"{name}.pid"
    if not pid_file.is_file():
        return None
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    return pid


def up(spec: ClusterSpec, timeout: float = 90.0) -> str:
    """Start the master and a worker (unless already running); return the master URL."""
    spec.state_dir.mkdir(parents=True, exist_ok=True)
    if running_pid(spec, "master") is None:
        _require_free(spec.master_port)
        master = ["org.apache.spark.deploy.master.Master", "--host", HOST, "--port", str(spec.master_port)]
        pid = _start("master", [*master, "--webui-port", str(spec.master_ui_port)], spec)
        logger.info("master started (pid %d)", pid)
    _wait_for_port(spec.master_port, timeout, "the master")
    if running_pid(spec, "worker") is None:
        worker = ["org.apache.spark.deploy.worker.Worker", spec.master_url, "--host", HOST]
        resources = ["--cores", str(spec.worker_cores), "--memory", spec.worker_memory]
        scratch = ["--work-dir", str(spec.state_dir / "work"), "--webui-port", str(spec.worker_ui_port)]
        pid = _start("worker", [*worker, *resources, *scratch], spec)
        logger.info("worker started (pid %d)", pid)
    _wait_for_worker(spec, timeout)
    logger.info("cluster up: %s (UI http://%s:%d)", spec.master_url, HOST, spec.master_ui_port)
    return spec.master_url


def down(spec: ClusterSpec, timeout: float = 30.0) -> None:
    """Stop the worker, then the master, each by the process id `up` recorded."""
    for name in ("worker", "master"):
        pid = running_pid(spec, name)
        if pid is not None:
            os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while running_pid(spec, name) is not None and time.monotonic() < deadline:
                time.sleep(0.2)
            if running_pid(spec, name) is not None:
                os.killpg(pid, signal.SIGKILL)
            logger.info("%s stopped (pid %d)", name, pid)
        (spec.state_dir / f"{name}.pid").unlink(missing_ok=True)


def pack_code(out: Path, root: Path = PROJECT_ROOT) -> Path:
    """Zip the job's Python packages for `spark-submit --py-files` (sources only)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for package in SHIPPED_PACKAGES:
            for source in sorted((root / package).rglob("*.py")):
                archive.write(source, source.relative_to(root).as_posix())
    return out


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(description="A local Spark standalone cluster for the job.")
    parser.add_argument("action", choices=["up", "down", "pack"])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "dist" / "transcript_lakehouse.zip")
    args = parser.parse_args(argv)
    spec = ClusterSpec()
    if args.action == "up":
        print(up(spec))
    elif args.action == "down":
        down(spec)
    else:
        print(pack_code(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
