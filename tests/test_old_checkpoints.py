"""eval.py and resume on checkpoints written by earlier versions of dlr.

``fixtures/mlp_lora_before_net_transforms.ckpt`` was written by main at c972c5f (``python train.py model=mlp
width=16 depth=1 transfer=lora transfer.lora.r=2 transfer.lora.save=none trainer.max_epochs=2
data.num_samples=1000``), before transfer and quantization were named by ``_target_``;
``fixtures/mlp_before_run_folders.ckpt`` by main at 89f1cd1 (``python train.py model=mlp width=16 depth=1
trainer.max_epochs=2 data.num_samples=1000 logger=none``), before dlr's modules moved into layer folders.
Each run reported the test metrics below.
"""

from pathlib import Path

import pytest
import torch

from dlr.config.stored_config import upgraded
from dlr.patches.lightning_internals import completed_epochs
from dlr.run.evaluate import evaluate
from dlr.run.train import train

FIXTURES = Path(__file__).parent / "fixtures"
CHECKPOINT = FIXTURES / "mlp_lora_before_net_transforms.ckpt"
TRAINED_TEST = {"test/acc": 0.1550000011920929, "test/loss": 2.2638776302337646}
BEFORE_FOLDERS = FIXTURES / "mlp_before_run_folders.ckpt"
BEFORE_FOLDERS_TEST = {"test/acc": 0.1599999964237213, "test/loss": 2.2395381927490234}


def test_a_stored_config_without_targets_gets_the_shipped_ones():
    config = upgraded({"transfer": {"name": "finetune", "checkpoint": "x"}, "quantization": {"name": "qat"}})
    assert config["transfer"]["_target_"] == "dlr.transfer.apply.FineTune"  # its own YAML's
    assert config["quantization"]["_target_"] == "dlr.quant.methods.QuantizationAware"
    assert upgraded({})["transfer"]["_target_"] == "dlr.transfer.apply.Transfer"  # none, from the defaults


def _on_this_machine(fixture: Path, data_dir: Path, tmp_path: Path) -> Path:
    checkpoint = torch.load(fixture, weights_only=True)
    checkpoint["dlr_config"]["paths"]["data_dir"] = str(data_dir)  # where this machine keeps mnist1d
    torch.save(checkpoint, tmp_path / fixture.name)
    return tmp_path / fixture.name


@pytest.mark.parametrize(
    ("fixture", "trained"), [(CHECKPOINT, TRAINED_TEST), (BEFORE_FOLDERS, BEFORE_FOLDERS_TEST)]
)
def test_eval_rebuilds_an_earlier_versions_run_and_reproduces_its_test_metrics(
    make_cfg, data_dir, tmp_path, fixture, trained
):
    checkpoint = _on_this_machine(fixture, data_dir, tmp_path)
    record = evaluate(make_cfg([f"ckpt_path={checkpoint}", "logger=none"], config_name="eval"))
    assert record["status"] == "completed", record.get("error")
    for key, value in trained.items():
        assert record["metrics"][key] == pytest.approx(value, abs=1e-6), key


def test_training_resumes_from_a_checkpoint_written_before_the_run_folders(make_cfg, data_dir, tmp_path):
    checkpoint = _on_this_machine(BEFORE_FOLDERS, data_dir, tmp_path)
    overrides = ["width=16", "depth=1", "data.num_samples=1000", "logger=none", "trainer.max_epochs=3"]
    record = train(make_cfg([*overrides, f"ckpt_path={checkpoint}"]))
    assert record["status"] == "completed" and record["resumed_from"] == str(checkpoint)
    resumed = torch.load(Path(record["run_dir"]) / "checkpoints" / "last.ckpt", weights_only=True)
    assert completed_epochs(torch.load(checkpoint, weights_only=True)) == 2
    assert completed_epochs(resumed) == 3  # one more, after the two the old run trained
