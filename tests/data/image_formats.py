"""Tiny image sets written in each real on-disk format, for the real readers to load.

The pixels are learnable: each class is a bright square at its own place on a noisy background, so a small
net beats chance in one epoch. The formats follow the published layouts: MNIST's IDX (big-endian header,
gzipped for download), CIFAR's pickled batches (and their tar.gz archive), SVHN's MATLAB .mat (labels 1-10,
10 for the digit 0), ImageFolder's class folders of PNGs.
"""

import gzip
import hashlib
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image


def class_images(
    n: int, classes: int, channels: int, size: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """uint8 ``(n, channels, size, size)`` images whose class is where a bright square sits, and the labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    rng.shuffle(labels)
    images = rng.integers(0, 60, size=(n, channels, size, size), dtype=np.uint8)
    cells = int(np.ceil(np.sqrt(classes)))
    step = size // cells
    for image, label in zip(images, labels, strict=True):
        col, row = divmod(int(label), cells)  # down the first column first: two classes survive a flip
        image[:, row * step : (row + 1) * step, col * step : (col + 1) * step] = 220
    return images, labels


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


# -- MNIST: IDX files --------------------------------------------------------------------------------------
def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file: magic (0, 0, type 0x08 = uint8, dimensions), big-endian sizes, then the bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def mnist_files(n_train: int = 120, n_test: int = 40) -> dict[str, bytes]:
    """The four MNIST files, gzipped as the mirrors serve them: name -> bytes."""
    files = {}
    for prefix, n, seed in (("train", n_train, 0), ("t10k", n_test, 1)):
        images, labels = class_images(n, 10, 1, 28, seed)
        files[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(images[:, 0]), mtime=0)
        files[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels), mtime=0)
    return files


def write_mnist(root: Path, folder: str = "MNIST", **sizes) -> Path:
    """The extracted IDX files in ``root/<folder>/raw``, where torchvision reads them."""
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name, data in mnist_files(**sizes).items():
        (raw / name.removesuffix(".gz")).write_bytes(gzip.decompress(data))
    return raw


# -- CIFAR: pickled batches --------------------------------------------------------------------------------
def cifar_files(per_batch: int = 40, classes: int = 10, hundred: bool = False) -> dict[str, bytes]:
    """CIFAR-10's five training batches, test batch and batches.meta (CIFAR-100: train, test, meta)."""
    key = "fine_labels" if hundred else "labels"

    def batch(n: int, seed: int, label: str) -> bytes:
        images, labels = class_images(n, classes, 3, 32, seed)
        entry = {"batch_label": label, "data": images.reshape(n, -1), key: labels.tolist()}
        entry["filenames"] = [f"{i}.png" for i in range(n)]
        return pickle.dumps(entry, protocol=2)

    names = [f"class_{i}" for i in range(classes)]
    if hundred:
        meta = {"fine_label_names": names, "coarse_label_names": ["all"]}
        return {
            "train": batch(5 * per_batch, 0, "train"),
            "test": batch(per_batch, 9, "test"),
            "meta": pickle.dumps(meta),
        }
    files = {f"data_batch_{i}": batch(per_batch, i, f"training batch {i} of 5") for i in range(1, 6)}
    files["test_batch"] = batch(per_batch, 9, "testing batch 1 of 1")
    files["batches.meta"] = pickle.dumps({"label_names": names, "num_cases_per_batch": per_batch})
    return files


def write_cifar(folder: Path, files: dict[str, bytes]) -> dict[str, str]:
    """The batches in ``folder`` (e.g. root/cifar-10-batches-py); returns each file's MD5."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: md5(folder / name) for name in files}


def tar_gz(folder_name: str, files: dict[str, bytes]) -> bytes:
    """A .tar.gz holding ``folder_name/<file>`` for each file, as CIFAR's archives do."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(f"{folder_name}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# -- SVHN: MATLAB .mat -------------------------------------------------------------------------------------
def write_svhn(root: Path, n_train: int = 100, n_test: int = 40) -> dict[str, str]:
    """train_32x32.mat and test_32x32.mat (X: 32x32x3xN uint8, y: Nx1 in 1..10) in ``root``; their MD5s."""
    from scipy.io import savemat

    root.mkdir(parents=True, exist_ok=True)
    sums = {}
    for split, n, seed in (("train", n_train, 0), ("test", n_test, 1)):
        images, labels = class_images(n, 10, 3, 32, seed)
        path = root / f"{split}_32x32.mat"
        savemat(
            path,
            {
                "X": images.transpose(2, 3, 1, 0),
                "y": np.where(labels == 0, 10, labels)[:, None].astype(np.uint8),
            },
        )
        sums[split] = md5(path)
    return sums


# -- ImageFolder: class folders of PNGs --------------------------------------------------------------------
def write_image_folder(
    root: Path, per_class: int = 12, classes: int = 3, size: int = 20, seed: int = 0
) -> Path:
    """``root/<class>/<i>.png`` RGB images of ``size`` x ``size + 4`` (not square, so they are cropped)."""
    images, labels = class_images(per_class * classes, classes, 3, size, seed)
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        folder = root / f"class_{label}"
        folder.mkdir(parents=True, exist_ok=True)
        wide = np.pad(image.transpose(1, 2, 0), ((0, 0), (2, 2), (0, 0)), mode="edge")
        Image.fromarray(wide).save(folder / f"{index}.png")
    return root
