"""The assembled default model: a plain Hugging Face checkpoint that gets clear cases right."""

import json

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from modeling.calibration import CALIBRATION_FILE, read_offsets
from tests.conftest import PROJECT_ROOT
from udfs.scorer import ScorerSettings, SentimentScorer

pytestmark = pytest.mark.slow


def test_checkpoint_loads_with_plain_transformers(default_model):
    model = AutoModelForSequenceClassification.from_pretrained(default_model)
    tokenizer = AutoTokenizer.from_pretrained(default_model)
    assert model.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    with torch.inference_mode():
        logits = model(**tokenizer(["what a wonderful day"], return_tensors="pt")).logits
    assert model.config.id2label[int(logits.argmax())] == "positive"


SENTENCES = [
    "thank you so much, that was really helpful",
    "this is terrible, I want to cancel",
    "My account number is 12345.",
    "Oh my God!",
    "I guess it's fine, whatever.",
    "@user can't wait for the game on Sunday #excited",
]


def test_plain_transformers_and_the_projects_scorer_agree(default_model):
    model = AutoModelForSequenceClassification.from_pretrained(default_model).eval()
    tokenizer = AutoTokenizer.from_pretrained(default_model)
    with torch.inference_mode():
        logits = model(**tokenizer(SENTENCES, padding=True, return_tensors="pt")).logits
    plain_labels = [model.config.id2label[int(i)] for i in logits.argmax(dim=-1)]
    scores = SentimentScorer(default_model).score(SENTENCES)
    assert scores.labels == plain_labels
    torch.testing.assert_close(
        torch.from_numpy(scores.probabilities).float(), torch.softmax(logits, -1), atol=1e-4, rtol=0
    )


def test_the_checkpoint_carries_the_committed_head_and_calibration(default_model):
    """classifier.bias = the adapter file's head bias + the offsets in calibration.json."""
    adapter_dir = PROJECT_ROOT / "models" / "default"
    head_bias = load_file(str(adapter_dir / "adapter.safetensors"))["classifier.bias"]
    calibration = adapter_dir / CALIBRATION_FILE
    offsets = read_offsets(calibration) if calibration.is_file() else {}
    model = AutoModelForSequenceClassification.from_pretrained(default_model)
    expected = head_bias + torch.tensor([offsets.get(model.config.id2label[i], 0.0) for i in range(3)])
    torch.testing.assert_close(model.classifier.bias.detach(), expected, atol=1e-6, rtol=0)
    stamp = json.loads((PROJECT_ROOT / default_model / "build-stamp.json").read_text())
    assert ("calibration_sha256" in stamp) == calibration.is_file()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("thank you so much, that was really helpful", "positive"),
        ("That's great, thank you so much.", "positive"),
        ("this is terrible, I want to cancel", "negative"),
        ("I'd like to speak to a manager, this is completely unacceptable.", "negative"),
        ("My account number is 12345.", "neutral"),
        ("The meeting is on Thursday at ten.", "neutral"),
    ],
)
def test_clear_sentences_get_the_right_label(default_model, text, label):
    assert SentimentScorer(default_model).score([text]).labels == [label]


def test_a_2000_word_utterance_gets_a_score_and_the_truncation_flag(default_model):
    scorer = SentimentScorer(default_model, ScorerSettings(max_length=256))
    long_complaint = " ".join(["this service is awful and nobody ever helps me"] * 223)[:20000]
    scores = scorer.score([long_complaint])
    assert scores.truncated.tolist() == [True]
    assert scores.token_counts[0] > 2000
    assert scores.labels == ["negative"] and -1.0 <= scores.scores[0] < -0.5
