"""The analysts' notebook runs top to bottom against tables the job wrote."""

import os

from tests.conftest import PROJECT_ROOT, execute_notebook

NOTEBOOK = PROJECT_ROOT / "notebooks" / "sentiment_sql.ipynb"


def test_notebook_runs_against_the_shared_data_tables(shared_run, monkeypatch, tmp_path):
    _, warehouse = shared_run
    monkeypatch.setenv("WAREHOUSE", str(warehouse))
    monkeypatch.setenv("FIGURES_DIR", str(tmp_path))
    notebook = execute_notebook(NOTEBOOK)

    outputs = {
        index: "".join(out.get("text", "") for out in cell.get("outputs", []))
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
    }
    text = "\n".join(outputs.values())
    assert "segments" in outputs[1] and "transcripts" in outputs[1]  # SHOW TABLES, by name
    assert "avg_customer_score" in text and "worst_utterance" in text and "negative_share" in text
    assert "no quarantined records" in text  # the shared data is all valid
    assert os.environ["WAREHOUSE"] == str(warehouse)

    figure = tmp_path / "daily_sentiment.png"
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"saved {figure}" in text
    assert any(out.get("data", {}).get("image/png") for cell in notebook.cells for out in cell.get("outputs", []))
