"""Calibration offsets: folded into the classifier bias, read from file, found by search."""

import json

import numpy as np
import pytest
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from modeling.calibration import fold_offsets, read_offsets, search_offsets
from udfs.scorer import ScorerSettings, SentimentScorer

TEXTS = ["yes", "this is terrible, I want to cancel", "thank you so much"]


def test_folded_offsets_shift_each_logit_by_its_labels_offset(tiny_model):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model).eval()
    inputs = AutoTokenizer.from_pretrained(tiny_model)(TEXTS, padding=True, return_tensors="pt")
    with torch.inference_mode():
        before = model(**inputs).logits
    fold_offsets(model, {"negative": 0.0, "neutral": -0.85, "positive": 0.3})
    with torch.inference_mode():
        after = model(**inputs).logits
    torch.testing.assert_close(after - before, torch.tensor([[0.0, -0.85, 0.3]]).expand(3, 3), atol=1e-6, rtol=0)


def test_folded_offsets_follow_label_names_not_positions(tiny_model):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model)
    model.config.label2id = {"POSITIVE": 0, "Neutral": 1, "negative": 2}
    bias = model.classifier.bias.detach().clone()
    fold_offsets(model, {"negative": 1.0, "neutral": 0.0, "positive": -2.0})
    torch.testing.assert_close(model.classifier.bias.detach() - bias, torch.tensor([-2.0, 0.0, 1.0]))


def test_a_saved_checkpoint_keeps_the_offsets_and_the_scorer_sees_them(tiny_model, tmp_path):
    raw = SentimentScorer(tiny_model, ScorerSettings(batch_size=4, max_length=16)).score(TEXTS).probabilities
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model)
    fold_offsets(model, {"negative": 0.0, "neutral": 2.0, "positive": -1.0})
    model.save_pretrained(tmp_path)
    AutoTokenizer.from_pretrained(tiny_model).save_pretrained(tmp_path)
    calibrated = SentimentScorer(str(tmp_path), ScorerSettings(batch_size=4, max_length=16)).score(TEXTS)
    # softmax(logits + offsets) is the raw probabilities reweighted by exp(offsets), renormalised.
    expected = raw * np.exp([0.0, 2.0, -1.0])
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(calibrated.probabilities, expected, atol=1e-5)
    assert all(-1.0 <= s <= 1.0 for s in calibrated.scores)


def test_offsets_file_fills_missing_labels_and_rejects_unknown_ones(tmp_path):
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"logit_offsets": {"neutral": -0.5}}))
    assert read_offsets(path) == {"negative": 0.0, "neutral": -0.5, "positive": 0.0}
    path.write_text(json.dumps({"logit_offsets": {"LABEL_1": 1.0}}))
    with pytest.raises(ValueError, match="unknown labels"):
        read_offsets(path)


def test_search_finds_the_neutral_offset_that_separates_the_classes():
    # The model says neutral too often: true negatives and positives lose to neutral by 0.3.
    log_p = np.log(
        np.array(
            [
                [0.35, 0.45, 0.20],  # negative
                [0.30, 0.50, 0.20],  # negative
                [0.10, 0.80, 0.10],  # neutral
                [0.20, 0.45, 0.35],  # positive
                [0.15, 0.50, 0.35],  # positive
            ]
        )
    )
    truth = np.array([0, 0, 1, 2, 2])
    grid = np.round(np.arange(-1.0, 1.01, 0.1), 2)
    f1, neutral, positive = search_offsets(log_p, truth, grid, neutral_only=True)
    assert f1 == 1.0 and positive == 0.0
    # The smallest neutral penalty that frees both: log(0.50/0.30) = 0.51 -> -0.6 on this grid.
    assert neutral == -0.6
    # Nothing to gain: ties keep the offsets at zero.
    assert search_offsets(np.log(np.eye(3) * 0.8 + 0.1), np.array([0, 1, 2]), grid) == (1.0, 0.0, 0.0)
