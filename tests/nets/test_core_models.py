"""The core models train briefly on each compatible dataset and beat a stated baseline."""

import pytest

from dlr.run.train import train

QUICK = ["callbacks=none", "logger=none", "trainer.num_sanity_val_steps=0"]

# (model, data overrides, epochs, metric, threshold, baseline it must beat)
CASES = [
    ("mlp", ["data=digits", "data.view=flat"], 10, "test/acc", 0.85, "chance 0.10"),
    ("mlp", ["data=breast_cancer"], 10, "test/acc", 0.85, "majority class 0.63"),
    ("mlp", ["data=wine"], 15, "test/acc", 0.8, "majority class 0.40"),
    ("mlp", ["data=iris"], 30, "test/acc", 0.75, "majority class 0.33"),
    ("mlp", ["data=diabetes"], 20, "test/r2", 0.2, "mean predictor R2 = 0"),
    ("cnn", ["data.num_samples=2000", "width=32"], 6, "test/acc", 0.35, "chance 0.10"),
    ("cnn", ["data=digits", "width=16"], 6, "test/acc", 0.8, "chance 0.10"),
    ("timm", ["data=digits", "model.net.name=test_resnet"], 4, "test/acc", 0.5, "chance 0.10"),
]


@pytest.mark.parametrize(
    ("model", "data", "epochs", "metric", "threshold", "baseline"), CASES, ids=lambda v: str(v)
)
def test_model_beats_baseline(make_cfg, model, data, epochs, metric, threshold, baseline):
    record = train(make_cfg([f"model={model}", *data, f"trainer.max_epochs={epochs}", *QUICK]))
    assert record["metrics"][metric] > threshold, (
        f"{model} on {data}: {metric}={record['metrics'][metric]:.3f}, baseline {baseline}"
    )
