"""TabPFN (Hollmann et al.): a pretrained transformer fitting a table in one forward pass; local weights only.

The ``tabpfn`` package downloads its checkpoint when none is given; here the weights must be a local file
(``model.estimator.params.weights_path``), checked before anything else, so a run never downloads.
"""

from pathlib import Path

from dlr.errors import ConfigError, require

KEY = "model.estimator.params.weights_path"


def _tabpfn_class(name: str, weights_path: str | None):
    require(weights_path is not None and Path(weights_path).expanduser().is_file(), KEY,
            f"TabPFN loads its weights only from a local file and never downloads; got {weights_path!r} "
            "(download a TabPFN checkpoint yourself and pass its path)")  # fmt: skip
    try:
        import tabpfn
    except ImportError:
        raise ConfigError(
            "model", "model=tabpfn needs the tabpfn package (pip install tabpfn); it is not installed"
        ) from None
    return getattr(tabpfn, name)


def local_tabpfn_classifier(weights_path: str | None = None, device: str = "cpu", **options):
    return _tabpfn_class("TabPFNClassifier", weights_path)(
        model_path=str(Path(weights_path).expanduser()), device=device, **options
    )


def local_tabpfn_regressor(weights_path: str | None = None, device: str = "cpu", **options):
    return _tabpfn_class("TabPFNRegressor", weights_path)(
        model_path=str(Path(weights_path).expanduser()), device=device, **options
    )
