"""The head refit: pooled features in input order, and a converged logistic-regression head."""

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from modeling.head import fit_head, pooled_features

TEXTS = ["yes", "this is terrible, I want to cancel", "ok", "the line keeps dropping and nobody helps"]


def test_pooled_features_come_back_in_input_order(tiny_model):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    together = pooled_features(model, tokenizer, TEXTS, max_length=16)
    with torch.inference_mode():
        alone = torch.cat([model.bert(**tokenizer([t], return_tensors="pt")).pooler_output for t in TEXTS])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=0)
    # The head reads exactly these: the model's logits are classifier(pooled features).
    with torch.inference_mode():
        logits = model(**tokenizer([TEXTS[1]], return_tensors="pt")).logits
        torch.testing.assert_close(model.classifier(together[1:2]), logits, atol=1e-5, rtol=0)


def test_fit_head_separates_separable_classes_from_a_bad_start():
    # Three clusters on the axes of a 2-d feature space; the start predicts every class wrong.
    features = torch.tensor([[3.0, 0.0], [2.5, 0.2], [0.0, 3.0], [0.2, 2.5], [-3.0, -3.0], [-2.5, -2.8]])
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    start_weight = -torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    assert (features @ start_weight.T).argmax(1).tolist() != labels.tolist()
    weight, bias = fit_head(features, labels, start_weight, torch.zeros(3), l2=1e-3)
    assert (features @ weight.T + bias).argmax(1).tolist() == labels.tolist()
    # The inputs are not modified in place.
    assert start_weight[0, 0] == -1.0
