"""data=image_folder: PNGs in torchvision's ImageFolder layout (or train/ and test/ folders, or a CSV of paths
and labels), scaled and centre-cropped to image_size, decoded once into a cache, learned by a small CNN."""

import pandas as pd
import pytest
import torch
from PIL import Image

from dlr.errors import ConfigError
from dlr.run.train import train
from dlr.tasks import from_config
from tests.conftest import FAST
from tests.data.image_formats import class_images, write_image_folder


def folder_cfg(make_cfg, path, *extra: str):
    return make_cfg(["data=image_folder", f"data.path={path}", "data.image_size=20", "model=cnn", *extra])


def test_a_folder_of_class_folders_is_read_with_its_class_names_and_a_seeded_test_split(make_cfg, tmp_path):
    write_image_folder(tmp_path / "pets", per_class=10, classes=3)
    datamodule = from_config.build_datamodule(folder_cfg(make_cfg, tmp_path / "pets"))
    assert datamodule.class_names == ["class_0", "class_1", "class_2"] and datamodule.num_classes == 3
    assert datamodule.input_shape == (3, 20, 20) and len(datamodule.test.x) == 6
    assert len(datamodule.train.x) + len(datamodule.val.x) == 24


def test_pixels_are_the_written_images_centre_cropped(make_cfg, tmp_path):
    write_image_folder(tmp_path / "pets", per_class=4, classes=2, size=20)
    cfg = folder_cfg(make_cfg, tmp_path / "pets", "data.val_fraction=0", "data.test_fraction=0.5")
    datamodule = from_config.build_datamodule(cfg)
    images, labels = class_images(8, 2, 3, 20)  # written 20 x 24, edge-padded by 2 on each side
    stats = datamodule.describe()["normalization"]
    mean, std = (torch.tensor(stats[k]).view(1, -1, 1, 1) for k in ("mean", "std"))
    restored = ((datamodule.test.x * std + mean) * 255).round().to(torch.uint8)
    written = {tuple(image.flatten().tolist()) for image in images}
    assert all(tuple(image.flatten().tolist()) in written for image in restored)


def test_train_and_test_folders_are_the_splits_and_a_csv_lists_images(make_cfg, tmp_path):
    write_image_folder(tmp_path / "split" / "train", per_class=6, classes=2)
    write_image_folder(tmp_path / "split" / "test", per_class=3, classes=2, seed=1)
    by_folders = from_config.build_datamodule(folder_cfg(make_cfg, tmp_path / "split"))
    assert len(by_folders.test.x) == 6 and len(by_folders.train.x) + len(by_folders.val.x) == 12
    rows = [
        (str(p.relative_to(tmp_path / "split")), p.parent.name)
        for p in sorted((tmp_path / "split").rglob("*.png"))
    ]
    pd.DataFrame(rows, columns=["file", "kind"]).to_csv(tmp_path / "split" / "labels.csv", index=False)
    cfg = folder_cfg(
        make_cfg, tmp_path / "split" / "labels.csv", "data.path_column=file", "data.label_column=kind"
    )
    by_csv = from_config.build_datamodule(cfg)
    assert (
        by_csv.class_names == ["class_0", "class_1"]
        and len(by_csv.test.x) + len(by_csv.train.x) + len(by_csv.val.x) == 18
    )


def test_grey_images_give_one_channel_and_a_folder_without_classes_is_refused(make_cfg, tmp_path):
    for label in ("a", "b"):
        (tmp_path / "grey" / label).mkdir(parents=True)
        for i in range(5):
            Image.new("L", (16, 16), color=40 * i).save(tmp_path / "grey" / label / f"{i}.png")
    assert from_config.build_datamodule(folder_cfg(make_cfg, tmp_path / "grey")).input_shape == (1, 20, 20)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="data.path: Couldn't find any class folder in"):
        from_config.build_datamodule(folder_cfg(make_cfg, tmp_path / "empty"))


def test_decoded_images_are_cached_and_a_changed_file_is_decoded_again(make_cfg, tmp_path):
    write_image_folder(tmp_path / "pets", per_class=5, classes=2)
    cfg = folder_cfg(make_cfg, tmp_path / "pets", f"data.data_dir={tmp_path / 'data'}")
    from_config.build_datamodule(cfg)
    first = list((tmp_path / "data" / "decoded").glob("files_*.pt"))
    from_config.build_datamodule(cfg)
    assert (
        list((tmp_path / "data" / "decoded").glob("files_*.pt")) == first and len(first) == 2
    )  # train, test
    Image.new("RGB", (20, 24), color=(255, 0, 0)).save(tmp_path / "pets" / "class_0" / "0.png")
    from_config.build_datamodule(cfg)
    assert len(list((tmp_path / "data" / "decoded").glob("files_*.pt"))) > 2


def test_a_cnn_learns_an_image_folder_with_flip_crop(make_cfg, tmp_path):
    write_image_folder(tmp_path / "pets", per_class=30, classes=2, size=20)
    overrides = ["data=image_folder", f"data.path={tmp_path / 'pets'}", "data.image_size=20", "model=cnn"]
    overrides += ["augment=flip_crop", "augment.crop_padding=2", "width=8", "data.batch_size=8"]
    record = train(make_cfg([*FAST, "trainer.max_epochs=8", *overrides]))
    assert record["metrics"]["test/acc"] > 0.8  # 2 classes: the square's row survives flips and small shifts
    assert record["data"]["augment"] == "flip_crop"
