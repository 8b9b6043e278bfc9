"""data=hf: Hugging Face datasets written tiny in their real formats (a save_to_disk folder, parquet, csv, an
image folder), read through the datasets library; images become an image set, texts the model's token ids;
a hub id that is not cached offline is one line."""

import json

import datasets
import pytest
import torch
from PIL import Image

from dlr.errors import ConfigError
from dlr.run.train import train
from dlr.tasks import from_config
from tests.conftest import FAST, run_cli
from tests.data.image_formats import class_images, write_image_folder
from tests.data.user_files import write_text_csv
from tests.test_bad_input import fails_with

FEATURES = datasets.Features(
    {"image": datasets.Image(), "label": datasets.ClassLabel(names=["cat", "dog", "fox"])}
)


def image_rows(n: int, seed: int = 0, size: int = 16) -> datasets.Dataset:
    images, labels = class_images(n, 3, 3, size, seed)
    pictures = [Image.fromarray(image.transpose(1, 2, 0)) for image in images]
    return datasets.Dataset.from_dict({"image": pictures, "label": labels.tolist()}, features=FEATURES)


def hf_cfg(make_cfg, name, *extra: str):
    return make_cfg(["data=hf", f"data.name={name}", "model=cnn", *extra])


def test_a_save_to_disk_folder_gives_its_splits_class_names_and_images(make_cfg, tmp_path):
    datasets.DatasetDict({"train": image_rows(30), "test": image_rows(12, seed=1)}).save_to_disk(
        tmp_path / "pets"
    )
    datamodule = from_config.build_datamodule(hf_cfg(make_cfg, tmp_path / "pets"))
    assert datamodule.class_names == ["cat", "dog", "fox"] and datamodule.input_shape == (3, 16, 16)
    images, labels = class_images(12, 3, 3, 16, seed=1)
    assert datamodule.test.y.tolist() == labels.tolist()
    stats = datamodule.describe()["normalization"]
    mean, std = (torch.tensor(stats[k]).view(1, -1, 1, 1) for k in ("mean", "std"))
    assert torch.equal(
        ((datamodule.test.x * std + mean) * 255).round().to(torch.uint8), torch.from_numpy(images)
    )


def test_a_parquet_file_is_split_by_test_fraction_and_rescaled(make_cfg, tmp_path):
    image_rows(40).to_parquet(tmp_path / "pets.parquet")
    cfg = hf_cfg(
        make_cfg, tmp_path / "pets.parquet", "data.image_size=8", "data.channels=1", "augment=flip_crop"
    )
    datamodule = from_config.build_datamodule(cfg)
    assert datamodule.input_shape == (1, 8, 8) and len(datamodule.test.x) == 8
    assert datamodule.describe()["augment"] == "flip_crop"


def test_a_folder_of_images_loads_through_the_library_and_streams(make_cfg, tmp_path):
    write_image_folder(tmp_path / "pets", per_class=8, classes=2, size=12)
    cfg = hf_cfg(
        make_cfg, tmp_path / "pets", "data.streaming=true", "data.num_workers=1", "data.image_size=12"
    )
    datamodule = from_config.build_datamodule(cfg)
    assert datamodule.describe()["data_path"] == "streaming" and datamodule.class_names == [
        "class_0",
        "class_1",
    ]
    x, y = next(iter(datamodule.train_dataloader()))
    assert x.shape[1:] == (3, 12, 12) and set(y.tolist()) <= {0, 1}


def test_a_cnn_learns_an_hf_image_set(make_cfg, tmp_path):
    datasets.DatasetDict({"train": image_rows(90), "test": image_rows(30, seed=1)}).save_to_disk(
        tmp_path / "pets"
    )
    record = train(
        hf_cfg(make_cfg, tmp_path / "pets", *FAST, "trainer.max_epochs=8", "data.batch_size=8", "width=8")
    )
    assert record["metrics"]["test/acc"] > 0.8  # chance is 1/3


def test_a_csv_of_texts_becomes_token_ids_of_the_models_tokenizer(make_cfg, tmp_path):
    write_text_csv(tmp_path / "news.csv")
    options = ["data.text_column=text", "data.label_column=topic", "data.max_length=12", "model=minilm"]
    datamodule = from_config.build_datamodule(hf_cfg(make_cfg, tmp_path / "news.csv", *options))
    assert datamodule.data_kind == "text" and datamodule.input_shape == (12,)
    assert datamodule.class_names == ["sport", "tech"] and datamodule.train.x[:, 0].eq(101).all()  # [CLS]
    assert datamodule.train.x.dtype == torch.long and len(datamodule.test.x) == 8


def test_augmenting_text_is_refused_in_one_line(make_cfg, capsys, tmp_path):
    write_text_csv(tmp_path / "news.csv")
    overrides = [
        "data=hf",
        f"data.name={tmp_path / 'news.csv'}",
        "data.text_column=text",
        "data.label_column=topic",
    ]
    expected = "augment: augment=mixup applies to images; data.text_column=text gives text"
    fails_with(make_cfg, capsys, [*overrides, "model=minilm", "augment=mixup"], expected)


def test_a_missing_column_names_the_columns(make_cfg, tmp_path):
    image_rows(10).to_parquet(tmp_path / "pets.parquet")
    with pytest.raises(ConfigError, match="data.label_column: 'kind' is not a column; columns: image, label"):
        from_config.build_datamodule(hf_cfg(make_cfg, tmp_path / "pets.parquet", "data.label_column=kind"))


def test_an_uncached_hub_id_offline_is_one_line_with_a_failed_record(tmp_path):
    offline = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_CACHE": str(tmp_path / "hf_cache")}
    result = run_cli(
        "data=hf", "data.name=someone/no_such_set", "model=cnn", log_dir=tmp_path / "logs", env=offline
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert (
        line.startswith("error: data.name: cannot load 'someone/no_such_set' (")
        and "OfflineModeIsEnabled" in line
    )
    (record_file,) = (tmp_path / "logs").rglob("metrics.json")
    assert json.loads(record_file.read_text())["status"] == "failed"
