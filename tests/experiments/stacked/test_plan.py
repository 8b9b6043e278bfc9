"""Which jobs stack: groups by the non-stackable overrides, reasons against stacking, width buckets."""

import math

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf, open_dict

from dlr.config.compose import CONF_DIR
from dlr.experiments.stacked.buckets import makespan, padding_share, plan_buckets, step_cost
from dlr.experiments.stacked.plan import group_key, plan_units, stack_blockers

DD_WIDTHS = [2, 3, 4, 6, 7, 10, 13, 16, 21, 28, 36, 47, 62, 80, 104, 136, 177, 230, 300]


def test_jobs_differing_only_in_seed_width_and_label_noise_share_a_group():
    one = group_key(["width=8", "seed=0", "data.label_noise=0.15", "optimizer.lr=0.1"])
    assert one == group_key(["optimizer.lr=0.1", "width=300", "seed=4", "data.label_noise=0.0"])
    assert one != group_key(["width=8", "seed=0", "data.label_noise=0.15", "optimizer.lr=0.2"])


def _flops(width: int) -> int:
    """One sample's forward plus backward FLOPs of an MLP 40 -> width x 2 -> 10."""
    sizes = [40, width, width, 10]
    return sum(6 * a * b for a, b in zip(sizes, sizes[1:], strict=False))


def _splits(widths: list[int]):
    """Every split of the sorted widths into runs of consecutive widths."""
    if not widths:
        yield []
        return
    for end in range(1, len(widths) + 1):
        for rest in _splits(widths[end:]):
            yield [widths[:end], *rest]


def _run_cost(run: list[int], seeds: int, pads: bool) -> float:
    if pads:
        return step_cost(seeds * len(run), 1, seeds * len(run) * 100 * _flops(max(run)))
    return step_cost(seeds * len(run), len(run), seeds * 100 * sum(_flops(w) for w in run))


def test_buckets_cover_every_job_once_in_width_ranges_and_finish_near_the_best_split():
    widths = [2, 4, 7, 13, 28, 62, 136, 300]
    jobs = widths * 3  # three seeds
    for pads in (True, False):
        for workers in (1, 2, 4):
            buckets = plan_buckets(jobs, _flops, batch_size=100, workers=workers, pads=pads)
            assert sorted(job for bucket in buckets for job in bucket.jobs) == list(range(len(jobs)))
            assert all(b.widths == [jobs[job] for job in b.jobs] for b in buckets)
            spans = sorted((min(b.widths), max(b.widths)) for b in buckets)  # runs: one width may end one
            assert all(high <= next_low for (_, high), (next_low, _) in zip(spans, spans[1:], strict=False))
            # Against every split of the widths into consecutive runs, scheduled the same way.
            best = min(
                makespan([_run_cost(run, 3, pads) for run in split], workers) for split in _splits(widths)
            )
            assert makespan([b.cost for b in buckets], workers) <= 1.05 * best, (pads, workers)
            if workers == 1:  # one process: the fewest overheads (and padded FLOPs), so few buckets
                assert len(buckets) < len(widths)
            else:  # more processes: several buckets, to share the work
                assert len(buckets) > 1
            assert (padding_share(buckets) > 0) == (pads and any(len(set(b.widths)) > 1 for b in buckets))


def test_the_widest_widths_seeds_split_between_buckets_when_one_width_outweighs_a_workers_share():
    # Five seeds of the dd sweep on four workers: width 300 alone is more than a quarter of the work, so
    # with whole widths the best split ends when 300's bucket does. Shared out, its seeds end 13% sooner.
    seeds = 5
    jobs = [w for w in DD_WIDTHS for _ in range(seeds)]
    buckets = plan_buckets(jobs, _flops, batch_size=100, workers=4, pads=False)
    assert sorted(job for bucket in buckets for job in bucket.jobs) == list(range(len(jobs)))
    whole_width_300 = _run_cost([300], seeds, pads=False)
    assert makespan([b.cost for b in buckets], 4) < 0.9 * whole_width_300
    assert makespan([b.cost for b in buckets], 4) <= 1.05 * sum(b.cost for b in buckets) / 4
    assert sum(300 in b.widths for b in buckets) > 1


def test_mlp_cnn_resnet_stack_and_the_reasons_against_stacking_are_named(make_cfg):
    assert stack_blockers(make_cfg(["experiment=dd_mnist1d"])) == []
    assert stack_blockers(make_cfg(["experiment=dd_cnn"])) == []
    assert stack_blockers(make_cfg(["model=resnet"])) == []
    assert stack_blockers(make_cfg(["model=mixer"])) == [
        "model=mixer has no stacked path (stacked: mlp, cnn, resnet)"
    ]
    for epochs in ("null", "-1"):
        assert stack_blockers(make_cfg([f"trainer.max_epochs={epochs}"])) == [
            "trainer.max_epochs is not a count of epochs (Lightning's own loop reads None and -1)"
        ]
    reasons = stack_blockers(make_cfg(["model.net.dropout=0.1", "scheduler=cosine"]))
    assert reasons == [
        "model.net.dropout > 0 draws random numbers a stack would share",
        "scheduler is not none",
    ]


def test_any_config_without_a_stacked_net_gets_one_reason_and_a_kfold_driver_does_not_stack(make_cfg):
    for foreign in ({"foo": 10}, {"model": "a name", "trainer": None}, {"model": {"net": "???"}}):
        config = OmegaConf.create(foreign)
        OmegaConf.set_struct(config, True)  # as Hydra composes it: a missing key raises on access
        assert stack_blockers(config) == ["model=None has no stacked path (stacked: mlp, cnn, resnet)"]
    assert stack_blockers(make_cfg(["cv.folds=3"])) == [
        "the run is a driver (tabular benchmark, transfer study, k-fold) or an estimator"
    ]
    assert stack_blockers(make_cfg(["cv.folds=3", "cv.fold=1"])) == []  # one fold is one run


def _sweep_jobs(tmp_path, data_dir, *jobs: list[str]) -> list[DictConfig]:
    """The jobs' configs as the launcher gets them: composed with their Hydra node."""
    paths = [f"paths.data_dir={data_dir}", f"paths.log_dir={tmp_path}"]
    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONF_DIR), version_base="1.3"):
        configs = [compose("train", [*job, *paths], return_hydra_config=True) for job in jobs]
    for config in configs:
        with open_dict(config):
            config.hydra.runtime.output_dir = str(tmp_path)
    GlobalHydra.instance().clear()
    return configs


def test_jobs_that_build_stack_in_buckets_and_every_other_job_runs_alone_first(tmp_path, data_dir):
    dd = ["experiment=dd_mnist1d", "data.num_samples=2000"]
    grid = [[*dd, f"width={width}", f"seed={seed}"] for width in (0, 8, 16) for seed in (0, 1)]
    others = [[*dd, "model=mixer"], [*dd, "data.num_samples=-5"]]  # no stacked path; data that does not build
    units = plan_units(_sweep_jobs(tmp_path, data_dir, *grid, *others), workers=2)
    alone = [
        (job.model.name, job.width, job.data.num_samples) for u in units if not u.stacked for job in u.jobs
    ]
    assert sorted(alone) == [("mixer", 100, 2000), ("mlp", 0, 2000), ("mlp", 0, 2000), ("mlp", 100, -5)]
    assert all(len(u.jobs) == 1 and u.cost == math.inf for u in units[:4])  # unknown cost: they start first
    stacks = [[(job.width, job.seed) for job in u.jobs] for u in units[4:]]
    assert stacks == [
        [(16, 0), (16, 1)],
        [(8, 0), (8, 1)],
    ]  # a bucket per width on 2 workers, costliest first
    assert units[4].cost > units[5].cost and all(u.stacked for u in units[4:])
