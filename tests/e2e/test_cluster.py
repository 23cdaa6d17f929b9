"""The job submitted to a real standalone cluster (master + worker on 127.0.0.1), as on a real one.

The cluster gets free ports and its own state folder, so a cluster a user started with
`make cluster-up` is left alone.
"""

import socket

import pytest

from lakehouse.cluster import ClusterSpec, down, running_pid, up
from tests.conftest import make

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    spec = ClusterSpec(
        state_dir=tmp_path_factory.mktemp("cluster"),
        master_port=free_port(),
        master_ui_port=free_port(),
        worker_ui_port=free_port(),
        worker_memory="3g",
    )
    try:
        up(spec)
        yield spec
    finally:
        down(spec)


def test_the_job_runs_on_the_cluster_with_its_code_and_model_shipped(cluster, tmp_path):
    warehouse = tmp_path / "warehouse"
    result = make("run", f"MASTER={cluster.master_url}", f"WAREHOUSE={warehouse}")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "records=85 transcripts=80 segments=2412 quarantined=5"
    assert "by name: default.segments, default.transcripts, default.quarantine" in lines

    # The executors got the code zip and the unpacked model from the submission, not from this folder.
    executor_dirs = list((cluster.state_dir / "work").glob("app-*/*"))
    assert executor_dirs, "no executor ran on the worker"
    shipped = {path.name for folder in executor_dirs for path in folder.iterdir()}
    assert {"transcript_lakehouse.zip", "minilm-l6-sentiment"} <= shipped

    scored = "SELECT count(*) AS n FROM segments WHERE sentiment_label IS NOT NULL"
    query = make("sql", f"WAREHOUSE={warehouse}", f"Q={scored}")
    assert query.returncode == 0, query.stdout[-2000:]
    assert query.stdout.strip().splitlines()[-2:] == ["n", "2412"]


def test_cluster_down_stops_what_cluster_up_started(tmp_path):
    spec = ClusterSpec(
        state_dir=tmp_path, master_port=free_port(), master_ui_port=free_port(), worker_ui_port=free_port()
    )
    up(spec)
    pids = running_pid(spec, "master"), running_pid(spec, "worker")
    assert all(pids)
    down(spec)
    assert (running_pid(spec, "master"), running_pid(spec, "worker")) == (None, None)


def test_cluster_up_refuses_a_master_port_someone_else_holds(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        spec = ClusterSpec(state_dir=tmp_path, master_port=taken, master_ui_port=free_port())
        with pytest.raises(RuntimeError, match=f"127.0.0.1:{taken} is already in use"):
            up(spec)
    assert running_pid(spec, "master") is None
