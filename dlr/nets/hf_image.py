"""Any Hugging Face image classifier (``AutoModelForImageClassification``) with its head replaced for the
data's classes.

The backbone keeps its pretrained weights; the head (everything outside ``model.base_model``) is new, sized
``output_size`` and freshly initialised even when the class count happens to match the pretrained one. Images
meet the backbone as it was trained: a grey image is repeated over the backbone's colour channels, and a
backbone with a fixed input size (a ViT's ``image_size``) gets the images resized to it. Weights come from the
Hub, the Hugging Face cache or a local folder (:mod:`dlr.hub`).
"""

import torch
from torch import nn
from torch.nn import functional

from dlr.errors import require
from dlr.hub import load_pretrained, load_weights

KEY = "model.net.source"


def _new_head(model: nn.Module) -> None:
    """Re-initialise every layer outside the backbone: the head learns the new classes from scratch."""
    for child in model.children():
        if child is not model.base_model:
            for module in child.modules():
                if hasattr(module, "reset_parameters"):
                    module.reset_parameters()


class HFImageClassifier(nn.Module):
    data_kinds = ("image",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        source: str = "google/vit-base-patch16-224",
        pretrained: bool = True,
        image_size: int | None = None,
        trust_remote_code: bool = False,
        allow_pickle: bool = False,
        *,
        data_info: dict | None = None,
    ):
        super().__init__()
        from transformers import AutoConfig, AutoModelForImageClassification

        require(
            len(input_shape) == 3,
            "model",
            f"image classifiers read (C, H, W) images, got input shape {tuple(input_shape)}",
        )
        require(
            image_size is None or image_size > 0, "model.net.image_size", f"must be > 0, got {image_size}"
        )
        trusted = {"trust_remote_code": trust_remote_code}
        head = {"num_labels": output_size, **trusted}
        if pretrained:
            self.model = load_weights(
                AutoModelForImageClassification,
                source,
                KEY,
                allow_pickle=allow_pickle,
                ignore_mismatched_sizes=True,  # the pretrained head's class count is not the data's
                **head,
            )
            _new_head(self.model)
        else:  # the same architecture, randomly initialised: the "from scratch" baseline
            config = load_pretrained(AutoConfig, source, KEY, **head)
            self.model = AutoModelForImageClassification.from_config(config, **trusted)
        self.model.train()  # from_pretrained returns eval mode; a new net trains
        channels = getattr(self.model.config, "num_channels", 3)
        require(
            input_shape[0] in (1, channels),
            "model",
            f"{source} reads {channels}-channel images; the data has {input_shape[0]} channels",
        )
        self.channels = channels
        size = image_size or getattr(self.model.config, "image_size", None)
        self.size = None if size is None else tuple(size) if isinstance(size, list | tuple) else (size, size)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[1] != self.channels:  # grey images: one channel repeated
            images = images.expand(-1, self.channels, -1, -1)
        if self.size is not None and tuple(images.shape[-2:]) != self.size:
            images = functional.interpolate(images, size=self.size, mode="bilinear", align_corners=False)
        return self.model(pixel_values=images).logits
