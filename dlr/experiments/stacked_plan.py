"""Which sweep jobs train together: groups of jobs that differ only in stackable keys, split into buckets.

A group is the set of jobs whose overrides agree on everything but ``seed``, ``width`` and
``data.label_noise`` (none of which changes a tensor's shape but ``width``). A group trains stacked when
its config has a stacked path (:func:`stack_blockers` finds no reason against it); otherwise its jobs run
one by one through the normal flow. Widths are split into buckets of consecutive widths: a bucket costs a
fixed overhead per step and one per group of members of one shape, a padded stack (the conv nets) also
the FLOPs of padding its narrow members to its widest, and the split that finishes first on the worker
processes wins.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from omegaconf import DictConfig

from dlr.experiments.stacked_nets import STACKED_PATHS

STACKABLE_KEYS = ("seed", "width", "data.label_noise")
ELEMENTWISE_OPTIMIZERS = ("torch.optim.SGD", "torch.optim.Adam", "torch.optim.AdamW")
#: Callbacks that do not change training; a stacked member writes its own last.ckpt.
NEUTRAL_CALLBACKS = ("model_checkpoint", "last_checkpoint", "model_summary", "progress_bar")
#: A bucket's cost per training step, in FLOPs of the same time: its FLOPs (padded ones included), plus a
#: fixed cost (autograd, the optimizer's loop), a cost per group of members stacked at one shape (its
#: kernel calls) and per member. Fitted to the four MLP buckets of the one- and five-seed MNIST-1D sweeps,
#: two training at once on the 2-core AVX2 machine, each on one core (t = 0.33 ms + 0.16 ms per group +
#: 0.05 ms per member + FLOPs / 44 GFLOPS, within 10%).
STEP_OVERHEAD_FLOPS = 1.5e7
GROUP_OVERHEAD_FLOPS = 7e6
MEMBER_OVERHEAD_FLOPS = 2e6


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
        "transfer is not none": (cfg.get("transfer") or {}).get("name", "none") != "none",
        "quantization is not none": (cfg.get("quantization") or {}).get("name", "none") != "none",
        "trainer.precision is not 32-true": str(trainer.get("precision")) != "32-true",
        "trainer.devices is not 1": trainer.get("devices", 1) != 1,
        "ckpt_path resumes a checkpoint": cfg.get("ckpt_path") is not None,
        "callbacks change training": any(
            spec and name not in NEUTRAL_CALLBACKS for name, spec in (cfg.get("callbacks") or {}).items()
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
    """Split (index, overrides, width) jobs into buckets of consecutive widths that finish soonest.

    ``pads``: the stack pads every member to the bucket's widest width (the conv nets), or stacks each
    width at its own shape (the MLP: one group per width, no padding).

    Few buckets cost the least per step, many share the work evenly among ``workers`` processes: for each
    cap on a bucket's cost, the cheapest split under the cap (dynamic programming over consecutive widths)
    is scheduled as :func:`launch` runs it, longest first, and the split that ends first is kept.
    """
    ordered = sorted(jobs, key=lambda job: job[2])
    widths = sorted({job[2] for job in ordered})
    count = {w: sum(1 for job in ordered if job[2] == w) for w in widths}

    def cost(first: int, last: int) -> float:
        span = widths[first : last + 1]
        members = sum(count[w] for w in span)
        if pads:
            return step_cost(members, 1, members * batch_size * flops_of_width(span[-1]))
        return step_cost(members, len(span), batch_size * sum(count[w] * flops_of_width(w) for w in span))

    costs = {(first, last): cost(first, last) for last in range(len(widths)) for first in range(last + 1)}

    def cheapest_split(cap: float) -> tuple[float, list[tuple[int, int]]]:
        best = [0.0] + [math.inf] * len(widths)  # best[k]: least cost of the first k widths
        start_of = [0] * (len(widths) + 1)
        for end in range(1, len(widths) + 1):
            for start in range(end):
                bucket_cost = costs[start, end - 1]
                if end - start > 1 and bucket_cost > cap:  # one width cannot be split further
                    continue
                if best[start] + bucket_cost < best[end]:
                    best[end], start_of[end] = best[start] + bucket_cost, start
        spans, end = [], len(widths)
        while end > 0:
            spans.append((start_of[end], end - 1))
            end = start_of[end]
        return best[-1], spans

    splits = [cheapest_split(cap) for cap in sorted(set(costs.values()))]
    _, _, spans = min(
        (makespan([costs[span] for span in spans], workers), total, spans) for total, spans in splits
    )
    buckets = []
    for first, last in spans:
        members = set(widths[first : last + 1])
        chosen = [job for job in ordered if job[2] in members]
        real = sum(flops_of_width(w) for *_, w in chosen)
        padded = len(chosen) * flops_of_width(widths[last]) if pads else real
        bucket_jobs, bucket_widths = [(i, o) for i, o, _ in chosen], [w for *_, w in chosen]
        buckets.append(Bucket(bucket_jobs, bucket_widths, costs[first, last], padded, real))
    return sorted(buckets, key=lambda bucket: -bucket.cost)


def padding_share(buckets: list[Bucket]) -> float:
    """The share of all the buckets' FLOPs spent on padded units."""
    padded = sum(bucket.padded_flops for bucket in buckets)
    return 1.0 - sum(bucket.real_flops for bucket in buckets) / padded if padded else 0.0
