"""data=mnist, fashion_mnist, kmnist, cifar10, cifar100, svhn: tiny files in each real format, read by
torchvision's own classes (their checksum tables set to the tiny files' MD5s), downloaded from a loopback
server, refused in one line offline."""

import gzip
import hashlib
import json
from pathlib import Path

import pytest
import torch
from torchvision import datasets

from dlr.errors import ConfigError
from dlr.tasks import from_config
from tests.conftest import run_cli
from tests.data.image_formats import (
    cifar_files,
    class_images,
    md5,
    mnist_files,
    tar_gz,
    write_cifar,
    write_mnist,
    write_svhn,
)
from tests.data.loopback import serving


def md5_of(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


MNIST_FAMILY = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "kmnist": "KMNIST"}


def use_cifar_sums(monkeypatch, cls, sums: dict[str, str], archive_md5: str | None = None) -> None:
    """The class's published MD5 table, replaced by the tiny files' (the checking code itself still runs)."""
    monkeypatch.setattr(cls, "train_list", [[name, sums[name]] for name, _ in cls.train_list])
    monkeypatch.setattr(cls, "test_list", [[name, sums[name]] for name, _ in cls.test_list])
    monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": sums[cls.meta["filename"]]})
    if archive_md5 is not None:
        monkeypatch.setattr(cls, "tgz_md5", archive_md5)


def use_svhn_sums(monkeypatch, sums: dict[str, str], base_url: str | None = None) -> None:
    """SVHN's train and test entries with the tiny files' MD5s (and URLs under ``base_url``)."""
    table = dict(datasets.SVHN.split_list)
    for split, md5_sum in sums.items():
        url, file, _ = table[split]
        table[split] = [base_url + file if base_url else url, file, md5_sum]
    monkeypatch.setattr(datasets.SVHN, "split_list", table)


def write_tiny_set(name: str, root: Path, monkeypatch) -> None:
    if name in MNIST_FAMILY:
        write_mnist(root, MNIST_FAMILY[name])
    elif name.startswith("cifar"):
        cls = datasets.CIFAR100 if name == "cifar100" else datasets.CIFAR10
        hundred = name == "cifar100"
        sums = write_cifar(
            root / cls.base_folder, cifar_files(classes=100 if hundred else 10, hundred=hundred)
        )
        use_cifar_sums(monkeypatch, cls, sums)
    else:
        sums = write_svhn(root)
        use_svhn_sums(monkeypatch, sums)


def tiny_cfg(make_cfg, name: str, root: Path, *extra: str):
    return make_cfg([f"data={name}", f"data.root={root}", "data.download=false", "model=cnn", *extra])


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "kmnist", "cifar10", "cifar100", "svhn"])
def test_each_set_reads_its_real_format_into_normalised_images(make_cfg, tmp_path, monkeypatch, name):
    write_tiny_set(name, tmp_path / "root", monkeypatch)
    datamodule = from_config.build_datamodule(tiny_cfg(make_cfg, name, tmp_path / "root"))
    channels = 1 if "mnist" in name else 3
    size = 28 if "mnist" in name else 32
    images, labels = class_images(
        40, 100 if name == "cifar100" else 10, channels, size, seed=9 if "cifar" in name else 1
    )
    # The test split keeps the file's order: its labels and (de-normalised) pixels are the ones written.
    assert datamodule.input_shape == (channels, size, size) and datamodule.data_kind == "image"
    assert datamodule.test.y.tolist() == labels.tolist()
    stats = datamodule.describe()["normalization"]
    mean, std = (torch.tensor(stats[k]).view(1, -1, 1, 1) for k in ("mean", "std"))
    restored = ((datamodule.test.x * std + mean) * 255).round().to(torch.uint8)
    assert torch.equal(restored, torch.from_numpy(images))
    train = datamodule.train.x
    assert torch.allclose(
        train.mean((0, 2, 3)), torch.zeros(channels), atol=1e-4
    )  # the training split's stats
    assert datamodule.describe()["data_path"] == "in_memory"


def test_base_datamodule_options_apply_to_an_image_set(make_cfg, tmp_path, monkeypatch):
    write_tiny_set("mnist", tmp_path / "root", monkeypatch)
    options = ["data.classes=[3,5]", "data.n_per_class=4", "data.label_noise=0.5", "data.val_fraction=0.2"]
    datamodule = from_config.build_datamodule(tiny_cfg(make_cfg, "mnist", tmp_path / "root", *options))
    assert datamodule.num_classes == 2 and datamodule.class_names == ["3 - three", "5 - five"]
    assert len(datamodule.train.x) == 8 and set(datamodule.test.y.tolist()) == {0, 1}
    assert len(datamodule.noisy_indices) == 4
    folds = [
        from_config.build_datamodule(
            tiny_cfg(make_cfg, "mnist", tmp_path / "root", "cv.folds=3", f"cv.fold={k}")
        )
        for k in range(3)
    ]
    assert sum(len(f.val.x) for f in folds) == 120  # the 3 validation folds cover the training file once


def test_decoded_images_are_cached_and_read_back_without_the_torchvision_class(
    make_cfg, tmp_path, monkeypatch
):
    write_tiny_set("cifar10", tmp_path / "root", monkeypatch)
    cfg = tiny_cfg(make_cfg, "cifar10", tmp_path / "root", f"data.data_dir={tmp_path / 'data'}")
    first = from_config.build_datamodule(cfg)
    (cache,) = (tmp_path / "data" / "decoded").glob("cifar10_*.pt")
    monkeypatch.setattr(datasets.CIFAR10, "__init__", None)  # a second read through the class would fail
    second = from_config.build_datamodule(cfg)
    assert torch.equal(first.train.x, second.train.x) and cache.stat().st_size > 40 * 6 * 3072


def serve_mnist(monkeypatch, server_files: dict[str, bytes], url: str) -> None:
    monkeypatch.setattr(datasets.MNIST, "mirrors", [url])
    good = mnist_files()
    sums = [(name, md5_of(good[name])) for name, _ in datasets.MNIST.resources]
    monkeypatch.setattr(datasets.MNIST, "resources", sums)
    server_files.update(good)


def test_mnist_downloads_from_the_mirror_checks_and_extracts(make_cfg, tmp_path, monkeypatch):
    with serving({}) as server:
        serve_mnist(monkeypatch, server.files, server.url)
        cfg = make_cfg(["data=mnist", f"data.root={tmp_path / 'root'}", "model=cnn"])
        datamodule = from_config.build_datamodule(cfg)
    raw = tmp_path / "root" / "MNIST" / "raw"
    assert set(server.requests) == set(mnist_files())
    assert (raw / "train-images-idx3-ubyte").read_bytes() == gzip.decompress(
        mnist_files()["train-images-idx3-ubyte.gz"]
    )
    assert len(datamodule.train.x) + len(datamodule.val.x) == 120


def test_a_corrupt_cifar_archive_is_refused_then_downloaded_again(make_cfg, tmp_path, monkeypatch):
    files = cifar_files()
    archive = tar_gz("cifar-10-batches-py", files)
    staging = tmp_path / "staging"
    use_cifar_sums(monkeypatch, datasets.CIFAR10, write_cifar(staging, files), md5_of(archive))
    cfg = make_cfg(["data=cifar10", f"data.root={tmp_path / 'root'}", "model=cnn"])
    with serving({"cifar-10-python.tar.gz": archive[: len(archive) // 2]}) as server:
        monkeypatch.setattr(datasets.CIFAR10, "url", server.url + "cifar-10-python.tar.gz")
        with pytest.raises(
            ConfigError,
            match=r"data.download: cifar10 from http://127.0.0.1:\d+/cifar-10-python.tar.gz: File not found or corrupted",
        ):
            from_config.build_datamodule(cfg)
        assert md5(tmp_path / "root" / "cifar-10-python.tar.gz") != md5_of(
            archive
        )  # the corrupt half, refused
        server.files["cifar-10-python.tar.gz"] = archive
        datamodule = from_config.build_datamodule(cfg)
    assert md5(tmp_path / "root" / "cifar-10-python.tar.gz") == md5_of(archive)
    assert datamodule.class_names == [f"class_{i}" for i in range(10)] and len(datamodule.test.x) == 40


def test_svhn_downloads_each_split_checked_against_its_md5(make_cfg, tmp_path, monkeypatch):
    staging = tmp_path / "staging"
    sums = write_svhn(staging)
    with serving(
        {f"{s}_32x32.mat": (staging / f"{s}_32x32.mat").read_bytes() for s in ("train", "test")}
    ) as server:
        use_svhn_sums(monkeypatch, sums, server.url)
        datamodule = from_config.build_datamodule(
            make_cfg(["data=svhn", f"data.root={tmp_path / 'svhn'}", "model=cnn"])
        )
    assert set(server.requests) == {"test_32x32.mat", "train_32x32.mat"}
    assert datamodule.input_shape == (3, 32, 32) and datamodule.class_names == [str(d) for d in range(10)]


def test_offline_miss_is_one_line_naming_the_files_and_folder_with_a_failed_record(tmp_path):
    """As a user runs it: no files, no network (a proxy that refuses stands for one), data.download=auto."""
    empty = tmp_path / "empty"
    dead_proxy = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "no_proxy": ""}
    result = run_cli(
        "data=cifar10", f"data.root={empty}", "model=resnet", log_dir=tmp_path / "logs", env=dead_proxy
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert f"data.root: cifar10 is not in {empty}/cifar-10-batches-py (expected data_batch_1," in line
    assert "no network answers (www.cs.toronto.edu)" in line and f"cifar-10-python.tar.gz in {empty}" in line
    (record_file,) = (tmp_path / "logs").rglob("metrics.json")
    record = json.loads(record_file.read_text())
    assert record["status"] == "failed" and "no network answers" in record["error"]


def test_download_false_refuses_damaged_files_in_one_line(make_cfg, tmp_path, monkeypatch):
    write_tiny_set("mnist", tmp_path / "root", monkeypatch)
    (tmp_path / "root" / "MNIST" / "raw" / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03trunc")
    with pytest.raises(
        ConfigError, match="data.root: mnist in .*MNIST/raw cannot be read .* and data.download=false"
    ):
        from_config.build_datamodule(tiny_cfg(make_cfg, "mnist", tmp_path / "root"))


def test_mnist_gz_files_placed_by_hand_are_checked_and_extracted_without_a_network(
    make_cfg, tmp_path, monkeypatch
):
    raw = tmp_path / "root" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    files = mnist_files()
    for name, data in files.items():
        (raw / name).write_bytes(data)
    monkeypatch.setattr(
        datasets.MNIST, "resources", [(name, md5_of(files[name])) for name, _ in datasets.MNIST.resources]
    )
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://127.0.0.1:9/"])  # nothing listens there
    datamodule = from_config.build_datamodule(
        make_cfg(["data=mnist", f"data.root={tmp_path / 'root'}", "model=cnn"])
    )
    assert (raw / "t10k-labels-idx1-ubyte").is_file() and len(datamodule.test.x) == 40
