"""Which sweep jobs train together: groups of jobs that differ only in stackable keys, split into buckets.

A group is the set of jobs whose overrides agree on everything but ``seed``, ``width`` and
``data.label_noise`` (none of which changes a tensor's shape but ``width``). A group trains stacked when
its config has a stacked path (:func:`stack_blockers` finds no reason against it); otherwise its jobs run
one by one through the normal flow. The jobs, in order of width, are split into buckets of consecutive
jobs (a boundary may fall between two seeds of one width): a bucket costs a fixed overhead per step and
one per group of members of one shape, a padded stack (the conv nets) also the FLOPs of padding its
narrow members to its widest, and the split that finishes first on the worker processes wins.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from omegaconf import DictConfig

from dlr.experiments.stacked.nets import STACKED_PATHS

STACKABLE_KEYS = ("seed", "width", "data.label_noise")
ELEMENTWISE_OPTIMIZERS = ("torch.optim.SGD", "torch.optim.Adam", "torch.optim.AdamW")
#: Callbacks that do not change training; a stacked member writes its own last.ckpt.
NEUTRAL_CALLBACKS = ("model_checkpoint", "last_checkpoint", "model_summary", "progress_bar")
#: A bucket's cost per training step, in FLOPs of the same time: its FLOPs (padded ones included), plus a
#: fixed cost (autograd, the optimizer's loop), a cost per group of members stacked at one shape (its
#: kernel calls) and per member. Fitted to 29 MLP buckets of one to 75 members (the MNIST-1D sweep's
#: widths, one, three and five seeds), two training at once on the 2-core machine, each on one core:
#: t = 0.28 ms + 0.076 ms per group + 0.033 ms per member + FLOPs / 54 GFLOPS, within 8% on average
#: (25% at worst: the machine's own speed drifts by as much between two runs of one bucket).
STEP_OVERHEAD_FLOPS = 1.5e7
GROUP_OVERHEAD_FLOPS = 4e6
MEMBER_OVERHEAD_FLOPS = 1.8e6


def group_key(overrides: Sequence[str]) -> tuple[str, ...]:
    """The job's overrides other than the stackable ones: jobs with equal keys can stack."""
    return tuple(sorted(o for o in overrides if o.split("=", 1)[0].lstrip("+~") not in STACKABLE_KEYS))


def _whole(value) -> bool:
    return value is None or value == 1.0


def stack_blockers(cfg: DictConfig) -> list[str]:
    """Reasons why the jobs of this config cannot train stacked; empty when they can."""
    net, trainer = cfg.model.get("net") or {}, cfg.trainer
    stacked_names = ", ".join(path.name for path in STACKED_PATHS.values())
    checks = {
        f"model={cfg.model.get('name')} has no stacked path (stacked: {stacked_names})": net.get("_target_")
        not in STACKED_PATHS,
        "model.net.dropout > 0 draws random numbers a stack would share": (net.get("dropout") or 0) > 0,
        "model.net.norm normalizes over the batch of one member": net.get("norm") is not None,
        "model.task is not dlr.tasks.supervised.SupervisedTask": cfg.model.get("task", {}).get("_target_")
        != "dlr.tasks.supervised.SupervisedTask",
        "model.task.loss is not cross-entropy": cfg.model.get("task", {}).get("loss", "auto")
        not in ("auto", "cross_entropy"),
        "optimizer is not SGD, Adam or AdamW": (cfg.get("optimizer") or {}).get("_target_")
        not in ELEMENTWISE_OPTIMIZERS,
        "scheduler is not none": bool(cfg.get("scheduler")),
        "augment is not none": (cfg.get("augment") or {}).get("name", "none") != "none",
        "data.streaming is true (a stack slices in-memory tensors)": (cfg.get("data") or {}).get("streaming")
        is True,
        "transfer is not none": (cfg.get("transfer") or {}).get("name", "none") != "none",
        "quantization is not none": (cfg.get("quantization") or {}).get("name", "none") != "none",
        "trainer.precision is not 32-true": str(trainer.get("precision")) != "32-true",
        "trainer.devices is not 1": trainer.get("devices", 1) != 1,
        "ckpt_path resumes a checkpoint": cfg.get("ckpt_path") is not None,
        "callbacks change training": any(
            spec and name not in NEUTRAL_CALLBACKS for name, spec in (cfg.get("callbacks") or {}).items()
        ),
        "trainer.max_epochs is not a count of epochs (Lightning's own loop reads None and -1)": not (
            isinstance(trainer.get("max_epochs"), int) and trainer.max_epochs > 0
        ),
        "trainer counts or limits steps": bool(trainer.get("gradient_clip_val"))
        or trainer.get("accumulate_grad_batches", 1) != 1
        or trainer.get("max_steps", -1) != -1
        or bool(trainer.get("fast_dev_run"))
        or bool(trainer.get("overfit_batches"))
        or not _whole(trainer.get("limit_train_batches"))
        or not _whole(trainer.get("limit_test_batches"))
        or trainer.get("limit_val_batches") not in (None, 0, 1.0)
        or (trainer.get("limit_val_batches") != 0 and trainer.get("check_val_every_n_epoch", 1) != 1),
        "the run is a driver (tabular benchmark, transfer study) or an estimator": bool(
            cfg.get("tabular_benchmark") or cfg.get("transfer_study") or cfg.model.get("estimator")
        ),
    }
    return [reason for reason, blocked in checks.items() if blocked]


@dataclass
class Bucket:
    """Jobs (index into the sweep, overrides) trained as one stack, and their estimated cost per step."""

    jobs: list[tuple[int, list[str]]]
    widths: list[int]
    cost: float
    #: One sample's FLOPs of the members as padded in the bucket, and as each member alone.
    padded_flops: float
    real_flops: float


def mlp_flops(width: int, depth: int, features: int, outputs: int) -> int:
    """One sample's forward plus backward FLOPs of an MLP features -> width x depth -> outputs."""
    sizes = [features, *[width] * depth, outputs]
    return sum(6 * a * b for a, b in zip(sizes, sizes[1:], strict=False))


def step_cost(members: int, groups: int, flops: float) -> float:
    """A bucket's estimated cost per step, in FLOPs: ``flops`` is what its step computes, padding included."""
    return flops + groups * GROUP_OVERHEAD_FLOPS + members * MEMBER_OVERHEAD_FLOPS + STEP_OVERHEAD_FLOPS


def makespan(costs: list[float], workers: int) -> float:
    """When the last of ``workers`` processes finishes, each taking the longest unit left when it is free."""
    loads = [0.0] * max(workers, 1)
    for cost in sorted(costs, reverse=True):
        loads[loads.index(min(loads))] += cost
    return max(loads)


def plan_buckets(
    jobs: list[tuple[int, list[str], int]], flops_of_width, batch_size: int, workers: int, pads: bool
) -> list[Bucket]:
    """Split (index, overrides, width) jobs, in order of width, into runs of consecutive jobs that finish
    soonest on ``workers`` processes.

    ``pads``: the stack pads every member to the bucket's widest width (the conv nets), or stacks each
    width at its own shape (the MLP: one group per width, no padding).

    A run may end between two seeds of one width: once one width outweighs a process's share of the work
    (five seeds on four processes: width 300 alone is a third of it), splitting its seeds is what evens the
    work over the processes. Few buckets
    cost the least per step, many share the work evenly: for each cap on a bucket's cost (a geometric grid
    from the costliest single job to the whole sweep), the cheapest split under the cap (dynamic
    programming over the jobs) is scheduled as :func:`launch` runs it, longest first, and the split that
    ends first is kept.
    """
    ordered = sorted(jobs, key=lambda job: job[2])  # stable: the jobs of one width keep their order
    widths = [job[2] for job in ordered]
    flops = [flops_of_width(width) for width in widths]
    count = len(ordered)
    costs = np.full((count, count), np.inf)  # costs[first, last]: the bucket of jobs first..last
    for first in range(count):
        groups, total = 0, 0.0
        for last in range(first, count):
            groups += last == first or widths[last] != widths[last - 1]
            total += flops[last]
            members = last - first + 1
            if pads:
                costs[first, last] = step_cost(members, 1, members * batch_size * flops[last])
            else:
                costs[first, last] = step_cost(members, groups, batch_size * total)

    def cheapest_split(cap: float) -> list[tuple[int, int]]:
        best = np.full(count + 1, np.inf)  # best[k]: the least cost of the first k jobs
        best[0] = 0.0
        start_of = np.zeros(count + 1, dtype=int)
        for end in range(1, count + 1):
            bucket_costs = costs[:end, end - 1].copy()
            bucket_costs[: end - 1][bucket_costs[: end - 1] > cap] = np.inf  # one job cannot split further
            totals = best[:end] + bucket_costs
            start_of[end] = int(np.argmin(totals))
            best[end] = totals[start_of[end]]
        spans, end = [], count
        while end > 0:
            spans.append((int(start_of[end]), end - 1))
            end = start_of[end]
        return spans

    low, high = float(np.diag(costs).max()), float(costs[0, -1])
    caps = np.geomspace(low, high, num=max(2, min(400, int(math.log(high / low) / math.log(1.01)) + 2)))
    splits = {tuple(cheapest_split(cap)) for cap in caps}
    spans = min(splits, key=lambda spans: (makespan([costs[span] for span in spans], workers), len(spans)))
    buckets = []
    for first, last in spans:
        chosen = ordered[first : last + 1]
        real = sum(flops[first : last + 1])
        padded = len(chosen) * flops[last] if pads else real
        bucket_jobs, bucket_widths = [(i, o) for i, o, _ in chosen], [w for *_, w in chosen]
        buckets.append(Bucket(bucket_jobs, bucket_widths, float(costs[first, last]), padded, real))
    return sorted(buckets, key=lambda bucket: -bucket.cost)


def padding_share(buckets: list[Bucket]) -> float:
    """The share of all the buckets' FLOPs spent on padded units."""
    padded = sum(bucket.padded_flops for bucket in buckets)
    return 1.0 - sum(bucket.real_flops for bucket in buckets) / padded if padded else 0.0
