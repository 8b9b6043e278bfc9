"""DBN: greedy CD pretraining then fine-tuning learns digits, reported next to the same net from scratch."""

from dlr.run.train import train
from tests.conftest import FAST
from tests.test_bad_input import fails_with

DBN = [
    "model=dbn",
    "data=binary_digits",
    "width=64",
    "depth=2",
    "model.task.pretrain_epochs=1",
    "optimizer.lr=0.01",
    *FAST[1:],
]


def test_dbn_reports_pretrained_and_scratch_accuracy(make_cfg):
    metrics = train(make_cfg([*DBN, "trainer.max_epochs=6"]))["metrics"]
    # Criterion: both nets far above chance (0.1) after 4 fine-tuning epochs; the comparison is only reported.
    assert metrics["test/acc"] > 0.6 and metrics["test/acc_scratch"] > 0.6, metrics
    assert (
        metrics["params/total"] == 64 * 64 + 64 + 64 + 64 * 64 + 64 + 64 + 64 * 10 + 10
    )  # the twin not counted


def test_too_few_epochs_for_pretraining_fails_naming_max_epochs(make_cfg, capsys):
    fails_with(
        make_cfg,
        capsys,
        [*DBN, "trainer.max_epochs=2"],
        "trainer.max_epochs: must exceed depth x model.task.pretrain_epochs = 2 to leave epochs for "
        "fine-tuning, got 2",
    )
