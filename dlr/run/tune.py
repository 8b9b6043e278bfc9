"""``tune=lr_find`` and ``tune=batch_size``: Lightning's Tuner before the fit, and the run uses its suggestion.

The tuner runs on a trainer of its own (no callbacks, loggers or checkpoints; one device) with a task of its
own around a copy of the net, one batch per step, and the random streams are put back afterwards: the run
then starts exactly as it would have, with only the tuned value changed. Batch groups are decided after this
and are unaffected (the tuner's own steps are single batches, as its learning-rate schedule needs).

The suggestion is written into the config (``optimizer.lr`` or ``data.batch_size``) before the run's task is
built, so the optimizer, the config stored in checkpoints (eval.py) and the record's ``tune`` entry all hold
it. ``tune.apply=false`` reports it and changes nothing. The learning-rate finder's curve is ``lr_find.png``.
A resumed run does not tune again: it takes the value from the config stored in its checkpoint, so it goes
on exactly as the run that wrote the checkpoint.
"""

import copy
import dataclasses
from pathlib import Path

from omegaconf import DictConfig, OmegaConf, open_dict
from pytorch_lightning.tuner import Tuner
from pytorch_lightning.utilities.seed import isolate_rng

from dlr import console
from dlr.errors import require
from dlr.run import build
from dlr.tasks import from_config
from dlr.transfer.checkpoint_file import load_checkpoint
from dlr.transforms import NetTransform

# The learning-rate finder's points its suggestion ignores, left out of the plot too: its smoothed loss
# starts biased low (the first points) and the last one may have diverged.
SKIP_BEGIN, SKIP_END = 10, 1


def tune_before_fit(
    cfg: DictConfig, datamodule, transformed: NetTransform, record: dict, resume_from: Path | None
) -> None:
    """Run ``cfg.tune``'s finder, apply its suggestion to ``cfg`` and ``datamodule``, and add it to ``record``."""
    spec = cfg.get("tune")
    if not spec:
        return
    require(
        spec.finder in FINDERS, "tune.finder", f"must be one of {', '.join(FINDERS)}, got {spec.finder!r}"
    )
    key, find = FINDERS[spec.finder]
    if resume_from is not None:  # the value the run that wrote the checkpoint tuned, not a new one
        value = OmegaConf.select(OmegaConf.create(load_checkpoint(resume_from)["dlr_config"]), key)
        _apply(cfg, datamodule, key, value)
        record["tune"] = {"finder": spec.finder, "key": key, "resumed": value}
        console.console.print(f"tune={spec.finder}: resumed with {key}={value} from {resume_from}")
        return
    found = _run_finder(cfg, spec, find, datamodule, transformed)
    configured, suggestion = OmegaConf.select(cfg, key), found["suggestion"]
    applied = spec.apply and suggestion is not None
    _apply(cfg, datamodule, key, suggestion if applied else configured)
    record["tune"] = {
        "finder": spec.finder,
        "key": key,
        "configured": configured,
        "applied": applied,
        **found,
    }
    if suggestion is None:
        console.console.print(f"tune={spec.finder}: no suggestion; {key}={configured} kept")
    else:
        verdict = "used" if applied else "not used (tune.apply=false)"
        console.console.print(
            f"tune={spec.finder}: suggested {key}={suggestion:.4g} (configured {configured}); {verdict}"
        )


def _run_finder(cfg: DictConfig, spec: DictConfig, find, datamodule, transformed: NetTransform) -> dict:
    """``find`` on a task around a copy of the net and a trainer of their own; the random streams put back."""
    task = from_config.build_task(
        cfg, datamodule, dataclasses.replace(transformed, net=copy.deepcopy(transformed.net))
    )
    require(
        task.automatic_optimization,
        "tune",
        f"{type(task).__name__} steps its own optimizers; Lightning's Tuner needs automatic optimization",
    )
    # A single device: the batch-size finder refuses distributed strategies, and a suggestion is per device.
    trainer = build.build_trainer(cfg, [], [], max_epochs=-1, devices=1, num_nodes=1, strategy="auto")
    options = {k: v for k, v in spec.items() if k not in ("finder", "apply")}  # the Tuner method's arguments
    with isolate_rng():
        return find(options, trainer, task, datamodule, Path(cfg.paths.output_dir))


def _apply(cfg: DictConfig, datamodule, key: str, value) -> None:
    with open_dict(cfg):
        OmegaConf.update(cfg, key, value)
    if key == "data.batch_size":  # the datamodule was built with the old one (the finder left its last trial)
        datamodule.batch_size = value


def _find_lr(options: dict, trainer, task, datamodule, run_dir: Path) -> dict:
    finder = Tuner(trainer).lr_find(task, datamodule=datamodule, update_attr=False, **options)
    suggestion = finder.suggestion(skip_begin=SKIP_BEGIN, skip_end=SKIP_END)
    plot = run_dir / "lr_find.png"
    window = slice(SKIP_BEGIN, -SKIP_END)
    _plot_lr_curve(finder.results["lr"][window], finder.results["loss"][window], suggestion, plot)
    return {"suggestion": suggestion, "plot": str(plot), "steps": len(finder.results["lr"])}


def _find_batch_size(options: dict, trainer, task, datamodule, run_dir: Path) -> dict:
    n_train = datamodule.describe()["n_train"]  # on a CPU nothing runs out of memory: stop at one batch
    found = Tuner(trainer).scale_batch_size(task, datamodule=datamodule, max_val=n_train, **options)
    # Lightning's power scaling can return the doubled size it stopped at, untried, past max_val.
    return {"suggestion": min(found, n_train) if found is not None else None}


def _plot_lr_curve(lrs: list[float], losses: list[float], suggestion: float | None, path: Path) -> None:
    from matplotlib.figure import Figure  # no pyplot: no backend chosen for the user; only runs that tune

    figure = Figure(figsize=(5, 3.5), layout="constrained")
    axes = figure.subplots()
    axes.plot(lrs, losses, color="#1f4e79", linewidth=1.5, label="training loss, smoothed")
    if suggestion is not None:
        at = min(range(len(lrs)), key=lambda i: abs(lrs[i] - suggestion))
        axes.plot([lrs[at]], [losses[at]], "o", color="#c0392b", label=f"suggestion {suggestion:.2g}")
    axes.set(xscale="log", xlabel="learning rate", ylabel="training loss", title="Learning-rate range test")
    axes.grid(alpha=0.3, which="both")
    axes.legend(frameon=False)
    figure.savefig(path, dpi=150)


#: Each finder: the key its suggestion replaces, and how it is found.
FINDERS = {"lr_find": ("optimizer.lr", _find_lr), "batch_size": ("data.batch_size", _find_batch_size)}
