"""The assembled default model: a plain Hugging Face checkpoint that gets clear cases right."""

import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from udfs.scorer import ScorerSettings, SentimentScorer

pytestmark = pytest.mark.slow


def test_checkpoint_loads_with_plain_transformers(default_model):
    model = AutoModelForSequenceClassification.from_pretrained(default_model)
    tokenizer = AutoTokenizer.from_pretrained(default_model)
    assert model.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    with torch.inference_mode():
        logits = model(**tokenizer(["what a wonderful day"], return_tensors="pt")).logits
    assert model.config.id2label[int(logits.argmax())] == "positive"


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
