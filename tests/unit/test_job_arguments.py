"""The entry point's configuration errors: one clear line, exit code 2, before Spark starts."""

import pytest

from jobs.score_transcripts import EXIT_CONFIG, main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "/no/such/folder"], "error: input path does not exist: /no/such/folder"),
        (["--config", "/no/such.yaml"], "error: config file not found: /no/such.yaml"),
        (["--model", "/no/model"], "error: model folder unreadable or not a Hugging Face model"),
    ],
)
def test_config_errors_exit_2_with_one_line(args, message, capsys, tmp_path):
    assert main([*args, "--warehouse", str(tmp_path / "w")]) == EXIT_CONFIG
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(message)
    assert not (tmp_path / "w").exists()


def test_unknown_key_in_yaml_is_reported(tmp_path, capsys):
    config = tmp_path / "bad.yaml"
    config.write_text("extends: " + str((__import__("pathlib").Path("conf/base.yaml")).resolve()) + "\nmodle: {}\n")
    assert main(["--config", str(config)]) == EXIT_CONFIG
    assert capsys.readouterr().err.strip() == (
        "error: unknown config key 'modle' (known: analytics, input, model, output, pii, spark, speaker_roles)"
    )
