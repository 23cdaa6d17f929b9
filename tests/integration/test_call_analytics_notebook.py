"""The call-analytics notebook runs top to bottom against tables the job wrote from hand-made calls."""

import json

from lakehouse.pipeline import run
from tests.conftest import PROJECT_ROOT, config_for, execute_notebook

NOTEBOOK = PROJECT_ROOT / "notebooks" / "call_analytics.ipynb"


def segment(speaker, start, end, text):
    return {"speaker": speaker, "start": start, "end": end, "text": text}


def write_calls(folder):
    folder.mkdir()
    created = "2026-11-26T10:00:00Z"
    calls = [
        {
            "transcript_id": "n1",
            "tenant_id": "acme",
            "created_at": created,
            "segments": [
                segment("agent", 0.0, 2.0, "Hello, how can I help?"),
                segment("customer", 2.5, 6.0, "I want to cancel my account, call me on (415) 555-0132."),
                segment("agent", 20.0, 24.0, "I understand. Let me look."),  # 14 s of silence
                segment("customer", 24.5, 27.0, "Thanks, that is great."),
            ],
        },
        {
            "transcript_id": "n2",
            "tenant_id": "acme",
            "created_at": created,
            "segments": [
                segment("user", 0.0, 3.0, "Can I speak to a manager please"),
                segment("system", 3.0, 5.0, "One moment."),
                segment("user", 9.0, 10.0, "Fine."),  # 4 s of silence
            ],
        },
    ]
    (folder / "calls.jsonl").write_text("\n".join(json.dumps(c) for c in calls) + "\n")


def test_notebook_runs_against_tables_built_from_hand_made_calls(spark, tiny_model, tmp_path, monkeypatch):
    write_calls(tmp_path / "in")
    warehouse = tmp_path / "warehouse"
    run(spark, config_for(tmp_path / "in", warehouse, tiny_model))
    turned = (
        spark.read.format("delta")
        .load(str(warehouse / "transcripts"))
        .where("customer_sentiment_q1 < 0 AND customer_sentiment_q4 > 0")
        .count()
    )

    monkeypatch.setenv("WAREHOUSE", str(warehouse))
    notebook = execute_notebook(NOTEBOOK)
    outputs = {
        cell.source.split(" = ")[0]: "".join(out.get("text", "") for out in cell.get("outputs", []))
        for cell in notebook.cells
        if cell.cell_type == "code"
    }
    text = "\n".join(outputs.values())
    assert f"turned_around_calls: {turned}" in text
    # the most non-talk time first: n1 with 14 s of 27, then n2 with 4 s of 10
    rows = [line.replace(" ", "") for line in outputs["most_silence"].splitlines()]
    silence = [row.split("|")[1:5] for row in rows if row.startswith(("|n1|", "|n2|"))]
    assert silence == [["n1", "acme", "27.0", "14.0"], ["n2", "acme", "10.0", "4.0"]], outputs["most_silence"]
    assert "cancellation_intent" in text and "I want to cancel my account, call me on [PHONE]." in text
    assert "escalation_request" in text and "Can I speak to a manager please" in text
    assert "555-0132" not in text
    assert "PHONE" in text
