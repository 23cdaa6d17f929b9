"""The maintenance entry point's configuration errors: one `error:` line, exit code 2, before Spark."""

import pytest

from jobs.maintain_tables import EXIT_CONFIG, main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "2026-06-30"], "error: both dates of the range are required"),
        (["--from", "2026-07-01", "--to", "2026-06-30"], "error: the range ends before it starts"),
        (["--from", "yesterday", "--to", "2026-06-30"], "error: dates must be YYYY-MM-DD"),
        (["--config", "/no/such.yaml", "--from", "2026-06-01", "--to", "2026-06-30"], "error: config file not found"),
    ],
)
def test_bad_requests_exit_2_with_one_line(args, message, capsys, tmp_path):
    assert main([*args, "--warehouse", str(tmp_path)]) == EXIT_CONFIG
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(message)


def test_missing_warehouse_and_short_retention_are_refused(capsys, tmp_path):
    dates = ["--from", "2026-06-01", "--to", "2026-06-30"]
    assert main([*dates, "--warehouse", str(tmp_path / "nope")]) == EXIT_CONFIG
    assert capsys.readouterr().err.strip() == f"error: warehouse folder does not exist: {tmp_path / 'nope'}"

    config = tmp_path / "short.yaml"
    config.write_text("output:\n  vacuum_retention_hours: 1\n")
    assert main([*dates, "--config", str(config), "--warehouse", str(tmp_path)]) == EXIT_CONFIG
    assert capsys.readouterr().err.strip().startswith("error: output.vacuum_retention_hours must be at least 168")
