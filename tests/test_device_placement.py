"""Every zoo config trains and evaluates with its net and batches on a device other than the CPU.

How, without a GPU: ``tests/fake_device.py`` wraps real CPU tensors in a subclass that reports the ``meta``
device, and a ``TorchDispatchMode`` runs each op on the wrapped data while recording what CUDA would
refuse (CPU tensors mixed into device ops, CPU generators drawing device values). Why this and not plain
``meta`` tensors: meta tensors hold no values, so ``item()``, ``bincount``, linear solves and every
data-dependent branch of a learning rule would fail or be skipped, and the closed-form and counting rules
(the ones most likely to build tensors by hand) could not run at all. With real values behind the stand-in
device the whole Lightning flow runs as it would on a GPU: fit, validation, test and ``metrics.json``.

The default suite runs five rule-based nets that build tensors themselves (about 30 s); the rest of the zoo
is marked slow.
"""

import pytest
import torch

from dlr.config.compose import zoo_torch_models
from dlr.run.train import train
from tests.fake_device import DEVICE, DataConstructors, FakeAccelerator, FakeDeviceTensor

TINY = [
    "trainer.limit_train_batches=2",
    "trainer.limit_val_batches=1",
    "trainer.limit_test_batches=1",
    "trainer.num_sanity_val_steps=0",
    "callbacks=none",
    "logger=none",
    "+callbacks.fake_device._target_=tests.fake_device.MoveToFakeDevice",
]
# One epoch, except where a rule needs more (the DBN pretrains each layer first).
EPOCHS = {"dbn": ["trainer.max_epochs=3", "model.task.pretrain_epochs=1"]}
# Rules that build tensors themselves (readouts, couplings, counts, corruption): the default suite's share.
RULE_BASED = ["elm", "bm", "hopfield", "markov_chain", "least_squares"]
ZOO = zoo_torch_models()
REST = sorted(set(ZOO) - set(RULE_BASED))


def run_on_fake_device(make_cfg, name: str) -> tuple[dict | None, list[str]]:
    epochs = EPOCHS.get(name, ["trainer.max_epochs=1"])
    cfg = make_cfg([f"model={name}", *ZOO[name], *TINY, *epochs])
    with FakeAccelerator() as accelerator, DataConstructors():
        record = train(cfg)
    return record, accelerator.findings


def check_zoo_config(make_cfg, name: str) -> None:
    record, findings = run_on_fake_device(make_cfg, name)
    assert findings == [], f"model={name} creates tensors off the device:\n" + "\n".join(findings)
    assert record is not None and record["status"] == "completed", record and record.get("error")


@pytest.mark.parametrize("name", RULE_BASED)
def test_rule_based_zoo_configs_stay_on_the_device(make_cfg, name):
    check_zoo_config(make_cfg, name)


@pytest.mark.slow
@pytest.mark.parametrize("name", REST)
def test_the_rest_of_the_zoo_stays_on_the_device(make_cfg, name):
    check_zoo_config(make_cfg, name)


def test_the_stand_in_device_flags_cpu_tensors_and_generators():
    with FakeAccelerator() as accelerator, DataConstructors():
        x = torch.randn(4, 3).to(DEVICE)
        assert isinstance(x, FakeDeviceTensor) and x.device == DEVICE
        fine = torch.cat([x, x.new_ones(4, 1), torch.zeros(4, 1, device=x.device)], dim=1)
        assert accelerator.findings == [] and isinstance(fine, FakeDeviceTensor)
        assert float(fine.sum()) == pytest.approx(float(x.cpu().sum()) + 4)  # real values behind it
        torch.cat([x, torch.ones(4, 1)], dim=1)
        torch.multinomial(x.abs(), 1, generator=torch.Generator().manual_seed(0))
    assert [finding.split("[")[1] for finding in accelerator.findings] == [
        "cat.default: CPU tensor mixed with device tensors]",
        "multinomial.default: CPU generator draws device values]",
    ]
