"""The analysts' notebook runs top to bottom against tables the job wrote."""

import os

import nbformat
from nbclient import NotebookClient

from tests.conftest import PROJECT_ROOT

NOTEBOOK = PROJECT_ROOT / "notebooks" / "sentiment_sql.ipynb"


def test_notebook_runs_against_the_shared_data_tables(shared_run, monkeypatch):
    _, warehouse = shared_run
    monkeypatch.setenv("WAREHOUSE", str(warehouse))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()

    outputs = {
        index: "".join(out.get("text", "") for out in cell.get("outputs", []))
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
    }
    text = "\n".join(outputs.values())
    assert "segments" in outputs[1] and "transcripts" in outputs[1]
    assert "avg_customer_score" in text and "worst_utterance" in text and "negative_share" in text
    assert "no quarantined records" in text  # the shared data is all valid
    assert os.environ["WAREHOUSE"] == str(warehouse)
