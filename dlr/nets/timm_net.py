"""Any timm model behind dlr's net signature; channels and classes come from the data.

``pretrained=true`` takes timm's own weights for ``name`` (``resnet18``, ``vit_small_patch16_224.augreg_in21k``):
from the Hugging Face Hub when it answers, from the Hugging Face cache when it does not (:mod:`dlr.hub`).
timm loads their safetensors file; pickle-format weights (a hub ``pytorch_model.bin``, a ``.pth`` URL) only
with ``allow_pickle=true``. ``pretrained_file`` reads a local file instead.
"""

from pathlib import Path

import timm
from torch import nn

from dlr.errors import require
from dlr.hub import check_hub_weights

#: timm's pickle file names on the Hub, and the safetensors file it reads first in their place.
SAFE_ALTERNATIVE = {
    "pytorch_model.bin": "model.safetensors",
    "open_clip_pytorch_model.bin": "open_clip_model.safetensors",
}


def check_timm_weights(name: str, allow_pickle: bool) -> None:
    """Where timm will take ``name``'s weights from is safe, or the user allowed a pickle file."""
    weights = timm.models.get_pretrained_cfg(name)
    require(
        weights is not None and bool(weights.hf_hub_id or weights.url),
        "model.net.pretrained",
        f"timm has no pretrained weights for {name!r}; see timm.list_pretrained()",
    )
    if weights.hf_hub_id:
        filename = weights.hf_hub_filename or "pytorch_model.bin"
        safe = filename if filename.endswith(".safetensors") else SAFE_ALTERNATIVE.get(filename, filename)
        check_hub_weights(weights.hf_hub_id, "model.net.name", allow_pickle, (safe,), (filename,), also=())
    else:
        require(
            allow_pickle or weights.url.endswith(".safetensors"),
            "model.net.allow_pickle",
            f"timm's weights for {name} are a pickle file ({weights.url}), which can run code while it loads; "
            "set model.net.allow_pickle=true if you trust it",
        )


class TimmNet(nn.Module):
    data_kinds = ("image",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        name: str = "resnet18",
        pretrained: bool = False,
        pretrained_file: str | None = None,
        allow_pickle: bool = False,
        *,
        data_info: dict | None = None,
        **model_kwargs,
    ):
        super().__init__()
        require(
            len(input_shape) == 3,
            "model",
            f"timm models need (C, H, W) images, got input shape {tuple(input_shape)}",
        )
        require(
            name in timm.list_models() or timm.is_model(name),
            "model.net.name",
            f"unknown timm model {name!r}; see timm.list_models()",
        )
        if pretrained and pretrained_file is None:
            check_timm_weights(name, allow_pickle)
        overlay = {}
        if pretrained_file is not None:
            file = Path(pretrained_file).expanduser()
            require(file.is_file(), "model.net.pretrained_file", f"no such file: {file}")
            overlay = {"pretrained_cfg_overlay": {"file": str(file)}}
            pretrained = True
        self.model = timm.create_model(
            name,
            pretrained=pretrained,
            num_classes=output_size,
            in_chans=input_shape[0],
            **overlay,
            **model_kwargs,
        )

    def forward(self, x):
        return self.model(x)
