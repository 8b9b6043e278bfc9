"""Export a trained run's model: `python export.py ckpt_path=... format=onnx|torchscript|safetensors`."""

import hydra
from omegaconf import DictConfig

import dlr  # noqa: F401  (registers the config resolvers)
from dlr.patches import install_entry_point_patches


@hydra.main(version_base="1.3", config_path="conf", config_name="export")
def main(cfg: DictConfig) -> None:
    from dlr.run.export import export  # after Hydra: --help and config errors answer before torch loads

    export(cfg)


if __name__ == "__main__":
    install_entry_point_patches()
    main()
