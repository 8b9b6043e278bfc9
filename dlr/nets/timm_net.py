"""Any timm model behind dlr's net signature; channels and classes come from the data."""

from pathlib import Path

import timm
from torch import nn

from dlr.errors import require


class TimmNet(nn.Module):
    data_kinds = ("image",)

    def __init__(
        self,
        input_shape: tuple[int, ...],
        output_size: int,
        name: str = "resnet18",
        pretrained: bool = False,
        pretrained_file: str | None = None,
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
        require(
            not pretrained or pretrained_file is not None,
            "model.net.pretrained",
            "dlr never downloads weights; give model.net.pretrained_file=/path/to/weights",
        )
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
