"""Files a user brings to ``data=image_folder`` and ``data=hf``, written tiny: a CSV of image paths and labels,
a parquet file of images, a CSV of labelled texts (tests/data and the docs' commands use them)."""

from pathlib import Path

import numpy as np
import pandas as pd

from tests.data.image_formats import class_images, write_image_folder


def write_labels_csv(path: Path, per_class: int = 10) -> None:
    """``path`` listing the PNGs of an image folder beside it (``path``'s stem + ``_images``) and labels."""
    folder = write_image_folder(path.parent / f"{path.stem}_images", per_class=per_class, classes=3, size=36)
    rows = [(p.relative_to(path.parent).as_posix(), p.parent.name) for p in sorted(folder.rglob("*.png"))]
    pd.DataFrame(rows, columns=["path", "label"]).to_csv(path, index=False)


def write_image_parquet(path: Path, n: int = 60, size: int = 28) -> None:
    """A parquet file of grey images and ClassLabel labels, as ``datasets.Dataset.to_parquet`` writes it."""
    import datasets
    from PIL import Image

    images, labels = class_images(n, 3, 1, size)
    features = datasets.Features(
        {"image": datasets.Image(), "label": datasets.ClassLabel(names=["a", "b", "c"])}
    )
    rows = {"image": [Image.fromarray(image[0]) for image in images], "label": labels.tolist()}
    datasets.Dataset.from_dict(rows, features=features).to_parquet(str(path))


def write_text_csv(path: Path, n: int = 40) -> None:
    """Short texts in a ``text`` column, their topic (sport or tech) in a ``topic`` column."""
    rng = np.random.default_rng(0)
    words = {"sport": ["goal", "match", "team"], "tech": ["chip", "software", "network"]}
    topics = ["sport", "tech"] * (n // 2)
    texts = [f"the {rng.choice(words[t])} and the {rng.choice(words[t])} today" for t in topics]
    pd.DataFrame({"text": texts, "topic": topics}).to_csv(path, index=False)
