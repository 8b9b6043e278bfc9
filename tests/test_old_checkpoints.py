"""eval.py on a checkpoint written before transfer and quantization were named by ``_target_``.

``fixtures/mlp_lora_before_net_transforms.ckpt`` was written by main at c972c5f (``python train.py model=mlp
width=16 depth=1 transfer=lora transfer.lora.r=2 transfer.lora.save=none trainer.max_epochs=2
data.num_samples=1000``); that run reported the test metrics below.
"""

from pathlib import Path

import pytest
import torch

from dlr.run.checkpoints.stored_config import upgraded
from dlr.run.evaluate import evaluate

CHECKPOINT = Path(__file__).parent / "fixtures" / "mlp_lora_before_net_transforms.ckpt"
TRAINED_TEST = {"test/acc": 0.1550000011920929, "test/loss": 2.2638776302337646}


def test_a_stored_config_without_targets_gets_the_shipped_ones():
    config = upgraded({"transfer": {"name": "finetune", "checkpoint": "x"}, "quantization": {"name": "qat"}})
    assert config["transfer"]["_target_"] == "dlr.transfer.apply.FineTune"  # its own YAML's
    assert config["quantization"]["_target_"] == "dlr.quant.methods.QuantizationAware"
    assert upgraded({})["transfer"]["_target_"] == "dlr.transfer.apply.Transfer"  # none, from the defaults


def test_eval_rebuilds_a_lora_run_written_before_the_change_and_reproduces_its_test_metrics(
    make_cfg, data_dir, tmp_path
):
    checkpoint = torch.load(CHECKPOINT, weights_only=True)
    checkpoint["dlr_config"]["paths"]["data_dir"] = str(data_dir)  # where this machine keeps mnist1d
    torch.save(checkpoint, tmp_path / "old.ckpt")
    cfg = make_cfg([f"ckpt_path={tmp_path / 'old.ckpt'}", "logger=none"], config_name="eval")
    record = evaluate(cfg)
    assert record["status"] == "completed", record.get("error")
    for key, value in TRAINED_TEST.items():
        assert record["metrics"][key] == pytest.approx(value, abs=1e-6), key
