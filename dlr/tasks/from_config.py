"""A composed config made into objects, in one direction: data, net, task (dlr/run/build.py adds the
trainer around them), and a trained task rebuilt from the config its checkpoint stores.

Every net is built the same way (docs/adding_a_model.md): ``Net(input_shape, output_size, <its options
from model.net>, *, data_info)``, its shapes from the data. The task is built once, with everything passed to
its constructor.
"""

import pytorch_lightning as pl
from hydra.utils import get_class, instantiate
from omegaconf import DictConfig, OmegaConf
from torch import nn

from dlr.config.stored_config import upgraded
from dlr.data.base import TensorDataModule
from dlr.errors import require
from dlr.nets.compiled import compiled
from dlr.quant.methods import Quantization
from dlr.quant.precision import with_eps
from dlr.transfer.checkpoint_file import check_fits
from dlr.transforms import NetTransform


def build_datamodule(cfg: DictConfig) -> TensorDataModule:
    cv = cfg.get("cv") or {}
    # Only a run of one fold tells its datamodule; every other run builds it exactly as before cv existed.
    fold = {"cv_folds": cv.folds, "cv_fold": cv.fold} if cv.get("fold") is not None else {}
    datamodule = instantiate(cfg.data, **fold, _convert_="all")
    datamodule.setup("fit")
    return datamodule


def build_net(cfg: DictConfig, datamodule: TensorDataModule, **options) -> nn.Module:
    """Every net is built the same way (docs/adding_a_model.md): ``Net(input_shape, output_size, <its
    options from model.net>, *, data_info)``; ``options`` override model.net's (a script sweeping width)."""
    net_class = get_class(cfg.model.net._target_)
    accepted = getattr(net_class, "data_kinds", None)
    require(
        accepted is None or datamodule.data_kind in accepted,
        "model",
        f"model={cfg.model.name} cannot read data={cfg.data.get('name', type(datamodule).__name__)} "
        f"({datamodule.data_kind} data); it accepts {', '.join(accepted or [])}",
    )
    return instantiate(
        cfg.model.net,
        input_shape=datamodule.input_shape,
        output_size=datamodule.output_size,
        data_info=datamodule.describe(),
        **options,
        _convert_="all",
    )


def build_task(
    cfg: DictConfig,
    datamodule: TensorDataModule,
    transformed: NetTransform | None = None,
    group_steps: str = "off",
) -> pl.LightningModule:
    """The task, built once with everything it needs: the net as ``transformed`` left it (the plain built
    net without one), the optimizer, the run's resolved config, and how it steps in a batch group."""
    transformed = transformed or NetTransform(build_net(cfg, datamodule))
    optimizer = instantiate(cfg.optimizer) if cfg.get("optimizer") else None
    scheduler = instantiate(cfg.scheduler) if cfg.get("scheduler") else None
    # The task's arguments are live objects and the config itself, which Hydra must not instantiate again.
    make_task = instantiate(cfg.model.task, _partial_=True, _convert_="all")
    return make_task(
        net=compiled(transformed.net, cfg),  # compile=true: in place, state-dict keys unchanged
        optimizer=with_eps(optimizer, cfg.precision.optimizer_eps),
        scheduler=scheduler,
        data_info=datamodule.describe(),
        run_config=OmegaConf.to_container(cfg, resolve=True),
        lr_multipliers=transformed.lr_multipliers,
        optimize_frozen=transformed.optimize_frozen,
        group_steps=group_steps,
    )


def stored_config(checkpoint: dict, key: str = "ckpt_path") -> DictConfig:
    """The config a dlr checkpoint stores, brought to the current layout (dlr.config.stored_config)."""
    stored = checkpoint.get("dlr_config")
    require(stored is not None, key, "checkpoint has no dlr config; was it written by dlr's train.py?")
    return OmegaConf.create(upgraded(stored))


def rebuild_trained(
    run_cfg: DictConfig, datamodule: TensorDataModule, checkpoint: dict, path
) -> tuple[pl.LightningModule, Quantization]:
    """The trained task of ``checkpoint``, and the quantization it trained with (QAT / QLoRA convert its net
    as training's end did). The trained structure (LoRA wrappers, new heads, QAT's fake-quantized layers,
    QLoRA's NF4 base) is rebuilt without loading any weights but the checkpoint's."""
    transferred = instantiate(run_cfg.transfer, _convert_="all").apply(
        build_net(run_cfg, datamodule), load_weights=False
    )
    quantization = instantiate(run_cfg.quantization, _convert_="all")
    task = build_task(run_cfg, datamodule, transferred.then(quantization.rebuild(transferred.net)))
    check_fits(task.state_dict(), checkpoint, path, f"model={run_cfg.model.name}")
    task.load_state_dict(checkpoint["state_dict"])
    return task, quantization
