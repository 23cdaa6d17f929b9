"""Adapters merged into plain weights give the same model as adapters applied on the fly."""

import torch
from transformers import BertConfig, BertForSequenceClassification

from modeling.lora import add_adapters, merge_adapters
from modeling.train import trainable_state


def tiny_bert(seed: int) -> BertForSequenceClassification:
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32, num_labels=3
    )
    return BertForSequenceClassification(config).eval()


def test_merged_weights_reproduce_the_adapted_model():
    adapted = tiny_bert(seed=1)
    names = add_adapters(adapted, rank=4, alpha=8.0)
    assert len(names) == 2 * 6
    with torch.no_grad():
        for name, param in adapted.named_parameters():
            if ".lora_" in name:
                param.normal_(std=0.2)
                param.requires_grad_(True)
    inputs = torch.randint(0, 50, (3, 7))
    with torch.no_grad():
        expected = adapted(input_ids=inputs).logits

    plain = tiny_bert(seed=1)
    saved = {k: v for k, v in trainable_state(adapted).items() if ".lora_" in k}
    assert merge_adapters(plain, saved, rank=4, alpha=8.0) == 12
    with torch.no_grad():
        merged = plain(input_ids=inputs).logits
    # Adapters are saved in half precision, so the merged model matches to about 1e-3.
    torch.testing.assert_close(merged, expected, atol=5e-3, rtol=0)
