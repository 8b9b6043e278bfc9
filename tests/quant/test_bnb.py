"""quantization=bnb: Lightning's BitsandbytesPrecision with a trainable float head over a frozen quantized base."""

import math

import pytest
import torch
from omegaconf import OmegaConf

from dlr.build import build_datamodule, build_task
from dlr.errors import ConfigError
from dlr.quant.methods import bitsandbytes_plugin, head_name
from dlr.run import train
from tests.conftest import FAST

NO_CUDA = (
    "Lightning's BitsandbytesPrecision quantizes on CUDA only (its _Linear4bit.quantize raises on other "
    "devices), although bitsandbytes 0.50.2 has a CPU backend; scripts/gpu_checks.sh runs these"
)


def test_the_head_stays_float_and_int8_asks_for_float16(make_cfg):
    cfg = make_cfg(FAST)
    datamodule = build_datamodule(cfg)
    task = build_task(cfg, datamodule)
    linears = [name for name, module in task.named_modules() if isinstance(module, torch.nn.Linear)]
    assert head_name(task) == linears[-1] and len(linears) >= 2
    spec = OmegaConf.create({"name": "bnb", "mode": "int8", "dtype": "bfloat16"})
    with pytest.raises(ConfigError, match=r"quantization\.dtype.*int8 mode computes in float16"):
        bitsandbytes_plugin(spec, "cuda", head_name(task))


@pytest.mark.skipif(not torch.cuda.is_available(), reason=NO_CUDA)
@pytest.mark.parametrize("mode", ["nf4-dq", "int8"])
def test_bnb_trains_its_head_over_the_frozen_quantized_base(make_cfg, mode):
    common = [*FAST, "trainer=gpu", "trainer.max_epochs=4", "data.num_samples=2000"]
    quantized = train(make_cfg([*common, "quantization=bnb", f"quantization.mode={mode}"], run_name=mode))
    assert quantized["status"] == "completed", quantized.get("error")
    assert math.isfinite(quantized["metrics"]["train/loss"])
    assert quantized["metrics"]["test/acc"] > 0.2  # the head learns over the frozen base: chance is 0.1
