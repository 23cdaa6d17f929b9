from pathlib import Path

import pytest

from lakehouse.config import ConfigError, JobConfig, load_config

PROJECT_CONF = "conf/local.yaml"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_project_configs_load_and_extend_base():
    config = load_config(PROJECT_CONF)
    assert config.input.path == "data/sample"
    assert config.model.path == ".cache/models/minilm-l6-sentiment"
    assert "user" in config.speaker_roles["customer"]
    assert load_config("conf/test.yaml").spark.arrow_batch_rows == 256


def test_overrides_replace_single_keys(tmp_path):
    config = load_config(PROJECT_CONF, {"input.path": "in/", "output.warehouse": str(tmp_path)})
    assert (config.input.path, config.output.warehouse) == ("in/", str(tmp_path))
    assert config.model.batch_size == 64


def test_empty_file_gives_the_defaults(tmp_path):
    assert load_config(write(tmp_path, "c.yaml", "")) == JobConfig()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("inputs:\n  path: x\n", "unknown config key 'inputs'"),
        ("model:\n  batchsize: 3\n", "unknown config key 'model.batchsize'"),
        ("model:\n  batch_size: many\n", "model.batch_size must be int, got 'many'"),
        ("model:\n  batch_size: 0\n", "model.batch_size must be positive"),
        ("output:\n  target_file_mb: 0\n", "output.target_file_mb must be positive"),
        ("output:\n  target_file_mb: -0.5\n", "output.target_file_mb must be positive"),
        ("model:\n  quantize: 1\n", "model.quantize must be bool"),
        ("input: [1, 2]\n", "input must be a mapping"),
        ("speaker_roles:\n  agent: agent\n", "speaker_roles must map names to lists of strings"),
        ("input:\n  path: [unclosed\n", "invalid YAML in"),
        ("- a list\n", "must hold a mapping"),
        ("extends: missing.yaml\n", "config file not found"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_config(write(tmp_path, "c.yaml", text))


def test_extends_loop_is_reported(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\n")
    with pytest.raises(ConfigError, match="loop"):
        load_config(tmp_path / "a.yaml")


def test_speaker_roles_are_replaced_not_merged(tmp_path):
    path = write(
        tmp_path,
        "c.yaml",
        f"extends: {__import__('os').path.abspath('conf/base.yaml')}\nspeaker_roles:\n  agent: [rep]\n",
    )
    assert load_config(path).speaker_roles == {"agent": ["rep"]}


def test_pii_and_analytics_settings_load_with_rules(tmp_path):
    config = load_config(PROJECT_CONF)
    assert config.pii.mask_settings().phone_regions == ("US", "GB")
    assert config.pii.keep_unmasked is False
    rule = config.analytics.sentiment_rules["customer_negative_at_end"]
    assert (rule.role, rule.quarter, rule.below, rule.above) == ("customer", 4, -0.25, None)
    assert "cancel my account" in config.analytics.phrase_rules["cancellation_intent"]
    text = f"extends: {Path(PROJECT_CONF).resolve()}\npii:\n  extra_patterns:\n    ref: ['BK-[0-9]+']\n"
    assert load_config(write(tmp_path, "x.yaml", text)).pii.mask_settings().extra_patterns == (("ref", "BK-[0-9]+"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("analytics:\n  sentiment_rules:\n    r: {role: boss, quarter: 1, below: 0}\n", "role must be"),
        ("analytics:\n  sentiment_rules:\n    r: {role: agent, quarter: 5, below: 0}\n", "quarter must be"),
        ("analytics:\n  sentiment_rules:\n    r: {role: agent, quarter: 1}\n", "exactly one"),
        ("analytics:\n  sentiment_rules:\n    r: {role: agent, quarter: 1, below: 0, colour: red}\n", "unknown"),
        ("pii:\n  phone_regions: US\n", "list of strings"),
    ],
)
def test_bad_rules_are_config_errors(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, "c.yaml", text))


def test_speaker_roles_name_only_agent_and_customer(tmp_path):
    with pytest.raises(ConfigError, match="not 'supervisor'"):
        load_config(write(tmp_path, "c.yaml", "speaker_roles:\n  supervisor: [boss]\n"))


def test_the_shipped_configs_load():
    # A float setting that may be negative (a score bound) must not trip a positivity rule
    # meant for sizes: the merged defaults once refused conf/local.yaml this way.
    for name in ("base", "local", "test", "quantized"):
        config = load_config(f"conf/{name}.yaml")
        assert config.analytics.sentiment_rules["customer_negative_at_end"].below == -0.25
