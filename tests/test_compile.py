"""compile=true: the net runs through torch.compile (inductor), inside batch groups, with the losses of an eager
run; its checkpoints keep eager keys, so resume, eval.py and predict.py read them.

Tolerance: relative 1e-5 on every loss. Inductor on a CPU keeps the matrix products in the same extern kernels
and fuses only elementwise work, so an MLP without dropout measured equal to the last bit here; 1e-5 leaves
room for a fused reduction's other summation order. (Dropout would differ: compiled code draws its own
random numbers.)
"""

import numpy as np
import pytest
import torch

from dlr.config.compose import compose_config
from dlr.errors import ConfigError
from dlr.nets.compiled import compiled
from dlr.run import build
from dlr.run.evaluate import evaluate
from dlr.run.predict import predict
from dlr.run.train import train
from dlr.tasks import from_config
from tests.conftest import FAST

SMALL = [*FAST, "data.num_samples=1000", "data.batch_size=32"]  # 23 batches an epoch: groups of 32 batches
LOSSES = ("train/loss", "val/loss", "test/loss")
BUILD_NET = from_config.build_net


class TracedByDynamo:
    """A forward pre-hook: whether torch.compile traced the net's call (hooks run inside the compiled call)."""

    def __init__(self):
        self.seen = []

    def __call__(self, module, args):
        self.seen.append(torch.compiler.is_compiling())


def _train_watching_the_net(make_cfg, overrides, run_name, monkeypatch) -> tuple[dict, TracedByDynamo]:
    probe = TracedByDynamo()

    def watched(*args, **kwargs):
        net = BUILD_NET(*args, **kwargs)
        net.register_forward_pre_hook(probe)
        return net

    monkeypatch.setattr(build, "build_net", watched)
    return train(make_cfg(overrides, run_name=run_name)), probe


def test_compiled_run_inside_batch_groups_has_the_eager_losses(make_cfg, monkeypatch):
    eager, eager_probe = _train_watching_the_net(make_cfg, SMALL, "eager", monkeypatch)
    compiled, compiled_probe = _train_watching_the_net(
        make_cfg, [*SMALL, "compile=true"], "compiled", monkeypatch
    )
    assert compiled["status"] == "completed", compiled.get("error")
    assert compiled["data"]["batches_per_step"] == eager["data"]["batches_per_step"] == 32
    assert True in compiled_probe.seen and True not in eager_probe.seen
    for key in LOSSES:
        assert compiled["metrics"][key] == pytest.approx(eager["metrics"][key], rel=1e-5), key


def test_compiled_checkpoint_keeps_eager_keys_resumes_evaluates_and_predicts(make_cfg):
    keep = [*SMALL, "callbacks=default", "~callbacks.progress_bar", "callbacks.last_checkpoint.every_s=0"]
    straight = train(make_cfg([*keep, "trainer.max_epochs=3"], run_name="eager"))
    train(make_cfg([*keep, "compile=true", "trainer.max_epochs=2"], run_name="compiled"))
    resumed = train(make_cfg([*keep, "compile=true", "ckpt_path=last"], run_name="resumed"))
    assert resumed["status"] == "completed" and resumed["resumed_from"].endswith(
        "compiled/checkpoints/last.ckpt"
    )
    last = f"{resumed['run_dir']}/checkpoints/last.ckpt"
    keys = list(torch.load(last, weights_only=True)["state_dict"])
    eager_keys = list(
        torch.load(f"{straight['run_dir']}/checkpoints/last.ckpt", weights_only=True)["state_dict"]
    )
    assert keys == eager_keys and not any("_orig_mod" in key for key in keys)
    for key in LOSSES:
        assert resumed["metrics"][key] == pytest.approx(straight["metrics"][key], rel=1e-5), key

    evaluated = evaluate(make_cfg([f"ckpt_path={last}", "logger=none"], config_name="eval", run_name="eval"))
    assert evaluated["metrics"]["test/loss"] == pytest.approx(resumed["metrics"]["test/loss"], rel=1e-5)
    predicted = predict(make_cfg([f"ckpt_path={last}"], config_name="predict", run_name="predict"))
    probabilities = np.load(predicted["predictions"])
    assert probabilities.shape == (200, 10) and np.allclose(probabilities.sum(1), 1, atol=1e-5)


@pytest.mark.parametrize(
    ("option", "key"),
    [
        ("compile_options.mode=fastest", "compile_options.mode"),
        ("compile_options.backend=gcc", "compile_options.backend"),
    ],
)
def test_an_unknown_compile_option_is_one_line_naming_its_key(tmp_path, option, key):
    cfg = compose_config(["compile=true", option], tmp_path)
    with pytest.raises(ConfigError, match=f"^{key}: must be"):
        compiled(torch.nn.Linear(2, 2), cfg)
