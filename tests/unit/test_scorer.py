import numpy as np
import pandas as pd
import pytest

from udfs.scorer import LABELS, ScorerSettings, SentimentScorer, label_columns


@pytest.fixture(scope="module")
def scorer(tiny_model):
    return SentimentScorer(tiny_model, ScorerSettings(batch_size=4, max_length=16))


TEXTS = ["yes", "thank you", "yes", "this is terrible, I want to cancel", "ok", "thank you", "the line keeps dropping"]


def test_batched_deduplicated_scores_equal_one_by_one_scores(scorer):
    together = scorer.score(TEXTS).probabilities
    alone = np.vstack([scorer.score([text]).probabilities for text in TEXTS])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_allclose(together.sum(axis=1), 1.0, atol=1e-6)


def test_score_is_positive_minus_negative_and_label_is_the_argmax(scorer):
    scores = scorer.score(TEXTS)
    p = scores.probabilities
    np.testing.assert_allclose(scores.scores, p[:, 2] - p[:, 0])
    assert scores.labels == [LABELS[i] for i in p.argmax(axis=1)]
    assert all(-1.0 <= s <= 1.0 for s in scores.scores)


def test_long_text_is_truncated_and_flagged_not_an_error(scorer):
    long_text = "word " * 2000
    scores = scorer.score(["short", long_text])
    assert scores.truncated.tolist() == [False, True]
    assert scores.token_counts[1] == 2002  # every word one token, plus [CLS] and [SEP]


def test_frame_keeps_nulls_as_null_scores(scorer):
    frame = scorer.score_frame(pd.Series(["good", None, "bad"]))
    assert frame["sentiment_label"].isna().tolist() == [False, True, False]
    assert frame["sentiment_score"].isna().tolist() == [False, True, False]
    assert frame["token_count"].tolist()[0] == 3 and frame["truncated"].tolist()[0] is False


def test_empty_input_gives_an_empty_frame(scorer):
    assert len(scorer.score_frame(pd.Series([], dtype=object))) == 0


def test_label_columns_follow_the_models_label_names():
    assert label_columns({0: "NEGATIVE", 1: "POSITIVE"}) == [0, None, 1]
    assert label_columns({0: "positive", 1: "neutral", 2: "negative"}) == [2, 1, 0]
    with pytest.raises(ValueError, match="must include 'negative' and 'positive'"):
        label_columns({0: "LABEL_0", 1: "LABEL_1"})


def test_window_is_capped_by_the_models_positions(tiny_model):
    # The tiny model has 128 positions while its tokenizer allows 512.
    scorer = SentimentScorer(tiny_model, ScorerSettings(max_length=256))
    scores = scorer.score(["word " * 300])
    assert scorer.max_length == 128 and scores.truncated.tolist() == [True]


def test_quantized_scorer_gives_probabilities(tiny_model):
    scores = SentimentScorer(tiny_model, ScorerSettings(quantize=True)).score(TEXTS)
    np.testing.assert_allclose(scores.probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_worker_cache_loads_a_model_once_per_settings(tiny_model):
    from udfs.sentiment import cached_scorer

    settings = ScorerSettings(batch_size=8, threads=1)
    first = cached_scorer(tiny_model, settings)
    assert cached_scorer(tiny_model, settings) is first
    assert cached_scorer(tiny_model, ScorerSettings(batch_size=16, threads=1)) is not first
