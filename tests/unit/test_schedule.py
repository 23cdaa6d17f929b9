"""The scheduling files point at what the project really has, and the DAG imports under Airflow."""

import ast
import importlib.util
import re

import pytest

from tests.conftest import PROJECT_ROOT

DAG_FILE = PROJECT_ROOT / "deploy" / "airflow" / "dags" / "transcript_sentiment.py"
CRON_FILE = PROJECT_ROOT / "deploy" / "cron" / "transcript-sentiment.cron"


def project_paths_in_dag() -> set[str]:
    tree = ast.parse(DAG_FILE.read_text())
    texts = [node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
    paths = set()
    for text in texts:
        parts = [part for part in text.values if isinstance(part, ast.Constant)]
        if text.values and isinstance(text.values[0], ast.FormattedValue) and text.values[0].value.id == "PROJECT":
            paths.add("".join(str(part.value) for part in parts).lstrip("/").split("#")[0])
    return paths


def test_the_dag_submits_the_job_with_the_files_the_makefile_builds():
    paths = project_paths_in_dag()
    assert paths >= {
        "jobs/score_transcripts.py",
        "dist/transcript_lakehouse.zip",
        "dist/minilm-l6-sentiment.tgz",
        "conf/local.yaml",
        ".cache/models/minilm-l6-sentiment",
    }
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "CODE_ZIP      := dist/transcript_lakehouse.zip" in makefile
    for committed in ("jobs/score_transcripts.py", "conf/local.yaml"):
        assert (PROJECT_ROOT / committed).is_file()


def test_the_cron_entry_runs_make_run_on_the_cluster():
    entries = [line for line in CRON_FILE.read_text().splitlines() if line and not line.startswith(("#", "SHELL"))]
    assert len(entries) == 1
    schedule, command = entries[0].split(" ", 5)[:5], entries[0].split(" ", 5)[5]
    assert schedule == ["*/30", "*", "*", "*", "*"]
    assert re.search(r"make run MASTER=spark://127\.0\.0\.1:7077 INPUT=\S+ WAREHOUSE=\S+", command)


@pytest.mark.skipif(
    importlib.util.find_spec("airflow") is None, reason="Airflow is not installed (it is not a project dependency)"
)
def test_the_dag_imports_under_airflow():
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(DAG_FILE.parent), include_examples=False)
    assert bag.import_errors == {}
    dag = bag.get_dag("transcript_sentiment")
    assert [task.task_id for task in dag.tasks] == ["score_transcripts"]
