"""What each config key allows, by the key's name: the rules that ``dlr.config.validation`` applies.

Keys mean the same in every group (``batch_size``, ``lr``, ``*_fraction``), so a rule keyed by the name covers
all of them at once, and a new config inherits its checks by naming its keys well.
"""

import math
import re
from collections.abc import Callable

from omegaconf import ListConfig

from dlr.errors import require

Rule = Callable[[str, object], None]
INF = math.inf


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer_at_least(low: int, nullable: bool = False, also: tuple = ()) -> Rule:
    allowed = f"an integer >= {low}" + "".join(f" or {a}" for a in also) + (" or null" if nullable else "")

    def check(key: str, value) -> None:
        ok = (value is None and nullable) or value in also or (is_integer(value) and value >= low)
        require(ok, key, f"must be {allowed}, got {value!r}")

    return check


def number_in(
    low: float, high: float, low_open: bool = False, high_open: bool = False, nullable=False
) -> Rule:
    if high == INF:
        allowed = f"{'>' if low_open else '>='} {low:g}"
    else:
        allowed = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    allowed += " or null" if nullable else ""

    def check(key: str, value) -> None:
        if value is None and nullable:
            return
        ok = is_number(value) and (value > low if low_open else value >= low)
        ok = ok and (value < high if high_open else value <= high)
        require(ok, key, f"must be {allowed}, got {value!r}")

    return check


def one_of(*choices, nullable: bool = False) -> Rule:
    allowed = ", ".join(map(str, choices)) + (", null" if nullable else "")

    def check(key: str, value) -> None:
        require(
            (value is None and nullable) or value in choices, key, f"must be one of {allowed}; got {value!r}"
        )

    return check


def betas(key: str, value) -> None:
    ok = isinstance(value, list | tuple | ListConfig) and len(value) == 2
    require(
        ok and all(is_number(b) and 0 <= b < 1 for b in value),
        key,
        f"must be two numbers in [0, 1), got {value}",
    )


def batch_limit(key: str, value) -> None:
    """Lightning's ``limit_*_batches`` and ``overfit_batches``: a fraction of the batches, or a count."""
    ok = value is None or (is_integer(value) and value >= 0) or (is_number(value) and 0 <= value <= 1)
    require(ok, key, f"must be null, a fraction in [0, 1] or a batch count >= 0, got {value!r}")


def fast_dev_run(key: str, value) -> None:
    ok = isinstance(value, bool) or (is_integer(value) and value >= 0)
    require(ok, key, f"must be true, false or a batch count >= 0, got {value!r}")


def devices(key: str, value) -> None:
    """Lightning's ``devices``: auto, -1 (all), a count, or the indices of the devices to use."""
    indices = list(value) if isinstance(value, list | tuple | ListConfig) else None
    ok = value in ("auto", -1) or (is_integer(value) and value >= 1)
    ok = ok or (bool(indices) and all(is_integer(index) and index >= 0 for index in indices))
    ok = ok or (isinstance(value, str) and re.fullmatch(r"\d+(,\d+)*,?", value) is not None)
    require(ok, key, f"must be auto, -1 (all), a count >= 1 or a list of device indices, got {value!r}")


def kernel_size(key: str, value) -> None:
    """One size for every layer, or one per layer (cnn)."""
    sizes = list(value) if isinstance(value, list | tuple | ListConfig) else [value]
    ok = bool(sizes) and all(is_integer(size) and size >= 1 for size in sizes)
    require(ok, key, f"must be an integer >= 1 or a list of them, got {value!r}")


def ridge(key: str, value) -> None:
    ok = value == "gcv" or (is_number(value) and value >= 0)
    require(ok, key, f"must be >= 0 or gcv (tuned by generalized cross-validation), got {value!r}")


def nonzero_integer(key: str, value) -> None:
    require(
        is_integer(value) and value != 0,
        key,
        f"must be an integer >= 1, or negative to count back from all cores, got {value!r}",
    )


POSITIVE = number_in(0, INF, low_open=True, high_open=True)
NON_NEGATIVE = number_in(0, INF, high_open=True)
FRACTION = number_in(0, 1, high_open=True)
SEED = integer_at_least(0)
COUNT = integer_at_least(1)

# Rules by the key's last name, in any group. The first pattern that matches the whole name applies.
BY_NAME: list[tuple[str, Rule]] = [
    (r"(.*_)?seed", SEED),
    (r"(eval_)?batch_size", COUNT),
    (r"lr|eps|optimizer_eps|alpha|mem_gb|timeout_min|noise_var|tau|gamma", POSITIVE),
    (r"weight_decay|eta_min|min_delta|gradient_clip_val|noise|feature_noise|every_s", NON_NEGATIVE),
    (r"momentum|(.*_)?dropout|label_noise|val_fraction|max_missing_fraction", FRACTION),
    (r"test_fraction|train_split", number_in(0, 1, low_open=True, high_open=True)),
    (r"betas", betas),
    (r"num_samples|n_train|n_per_class|n_train_per_class|num_train|num_test", integer_at_least(1, True)),
    (r"step_size|T_max|r|log_every_n_steps|check_val_every_n_epoch|accumulate_grad_batches", COUNT),
    (r"cpus_per_task|tasks_per_node|nodes|array_parallelism|num_nodes|flush_logs_every_n_steps", COUNT),
    (r"patience", integer_at_least(0)),
    (r"save_top_k", integer_at_least(-1)),
    (r"num_sanity_val_steps", integer_at_least(-1)),
    (r"max_epochs", integer_at_least(1, also=(-1,))),
    (r"min_epochs", integer_at_least(0, nullable=True)),
    (r"limit_(train|val|test|predict)_batches|overfit_batches", batch_limit),
    (r"mode", one_of("min", "max")),
    (r"fast_dev_run", fast_dev_run),
    (r"devices", devices),
    (r"folds", integer_at_least(2, nullable=True)),
    (r"accelerator", one_of("auto", "cpu", "gpu", "cuda", "mps")),
    (r"group_size", one_of(32, 64, 128, 256, nullable=True)),
    (r"depth", COUNT),
    # data (conf/data)
    (r"n_graphs|n_features|max_categories|min_numerical_values", COUNT),
    (r"max_train_rows", integer_at_least(1, nullable=True)),
    (r"concentration", POSITIVE),
    (r"signal_norm|uninformative_features", NON_NEGATIVE),
    (r"p_in|p_out", number_in(0, 1)),
    # nets and learning rules (conf/model)
    (r"kernel_size", kernel_size),
    (r"n_heads|primary_size|class_size|routing_iterations|controller_size|word_size|read_heads", COUNT),
    (r"latent_size|noise_size|embedding_dim|patch_size|stages|n_bins|n_frequencies|n_components", COUNT),
    (r"layers|substeps|max_sweeps|n_examples|sample_length|traversal_steps|n_chains|k|ff_multiplier", COUNT),
    (r"pretrain_epochs|sample_steps|n_samples", integer_at_least(0)),
    (r"learning_rate|sigma|bandwidth|init_scale|input_scale|input_scaling|spectral_radius", POSITIVE),
    (r"expansion|hidden_factor|ffn_factor|traversal_range|initial_width|(lr|sigma)_(start|end)", POSITIVE),
    (r"smoothing|sparsity_weight|beta|absent_weight|corruption_level", NON_NEGATIVE),
    (r"lower_margin|upper_margin", number_in(0, 1)),
    (r"sparsity_target", number_in(0, 1, low_open=True, high_open=True)),
    (r"leak_rate|connectivity", number_in(0, 1, low_open=True)),
    (r"ridge", ridge),
    # tree ensembles' own options (model.estimator.params), within what every library shipped accepts
    (r"iterations|max_iter|n_estimators|n_ensemble|min_samples_leaf", COUNT),
    (r"max_depth", integer_at_least(1, nullable=True)),
    (r"num_leaves", integer_at_least(2)),
    (r"max_leaf_nodes", integer_at_least(2, nullable=True)),
    (r"min_child_samples", integer_at_least(0)),
    (r"l2_leaf_reg|l2_regularization|reg_lambda|reg_alpha|min_child_weight", NON_NEGATIVE),
    (r"subsample|colsample_bytree", number_in(0, 1, low_open=True)),
    (r"threads", integer_at_least(1, nullable=True)),
    # CatBoost dies of a floating-point exception on thread_count=0, taking the process with it.
    (r"thread_count", integer_at_least(1, also=(-1,))),
    (r"n_jobs", nonzero_integer),
]

# Where the rule for a name depends on the object it configures (the node's ``_target_``).
BY_TARGET: dict[tuple[str, str], Rule] = {
    # An mlp without hidden layers is logistic regression (conf/model/logistic.yaml).
    ("dlr.nets.mlp.MLP", "depth"): integer_at_least(0),
    # The share of a pattern's bits flipped before recall (the autoencoders' corruption is a kind's name).
    ("dlr.tasks.hebbian.HebbianTask", "corruption"): number_in(0, 1),
    # A layer summary's depth: -1 shows every layer, 0 none (a tree's max_depth is another thing).
    **{
        (summary, "max_depth"): integer_at_least(-1)
        for summary in (
            "dlr.run.callbacks.model_summary.NetSummary",
            "pytorch_lightning.callbacks.ModelSummary",
            "pytorch_lightning.callbacks.RichModelSummary",
        )
    },
}

PRECISIONS = ("32-true", "32", "64-true", "64", "bf16-mixed", "bf16-true", "16-mixed", "16-true")
TOP_LEVEL: dict[str, Rule] = {
    "seed": SEED,
    "width": COUNT,
    # The knob of deep nets; the mlp without hidden layers is model=logistic, which does not read it.
    "depth": COUNT,
    "torch_threads": integer_at_least(1, nullable=True, also=("auto",)),
    "resume_sweep": one_of(True, False),
    "compile": one_of(True, False),
    # predict.py's
    "batch_size": COUNT,
    "split": one_of("train", "val", "test"),
}
