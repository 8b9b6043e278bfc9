"""SOM: Kohonen's rule lowers the quantisation error and orders the map; saves the U-matrix and prototypes."""

from pathlib import Path

from dlr.run.train import train
from tests.conftest import FAST

SOM = ["model=som", "data=digits", "width=36", *FAST[1:]]


def test_competitive_learning_lowers_quantisation_error_and_orders_the_map(make_cfg):
    initial = train(make_cfg([*SOM, "train=false"], run_name="init"))["metrics"]
    trained = train(make_cfg([*SOM, "trainer.max_epochs=3"], run_name="trained"))
    metrics = trained["metrics"]
    # Baseline: the random initial prototypes.
    assert metrics["test/quantisation_error"] < 0.6 * initial["test/quantisation_error"], (metrics, initial)
    assert metrics["test/topographic_error"] < 0.2 < initial["test/topographic_error"]
    for name in ("som_u_matrix.png", "som_prototypes.png"):
        assert (Path(trained["run_dir"]) / name).is_file()
