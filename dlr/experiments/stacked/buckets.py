"""A group's jobs split into buckets, runs of consecutive jobs in order of width, each trained as one stack:
the split that finishes first on the worker processes under a per-step cost fitted to this machine."""

import math
from dataclasses import dataclass

import numpy as np

#: A bucket's cost per training step, in FLOPs of the same time: its FLOPs (padded ones included), plus a
#: fixed cost (autograd, the optimizer's loop), a cost per group of members stacked at one shape (its
#: kernel calls) and per member. Fitted to 29 MLP buckets of one to 75 members (the MNIST-1D sweep's
#: widths, one, three and five seeds), two training at once on the 2-core machine, each on one core:
#: t = 0.28 ms + 0.076 ms per group + 0.033 ms per member + FLOPs / 54 GFLOPS, within 8% on average
#: (25% at worst: the machine's own speed drifts by as much between two runs of one bucket).
STEP_OVERHEAD_FLOPS = 1.5e7
GROUP_OVERHEAD_FLOPS = 4e6
MEMBER_OVERHEAD_FLOPS = 1.8e6


@dataclass
class Bucket:
    """Jobs (their positions in the planned list) trained as one stack, and their estimated cost per step."""

    jobs: list[int]
    widths: list[int]
    cost: float
    #: One sample's FLOPs of the members as padded in the bucket, and as each member alone.
    padded_flops: float
    real_flops: float


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
    widths: list[int], flops_of_width, batch_size: int, workers: int, pads: bool
) -> list[Bucket]:
    """Split jobs of these widths, in order of width, into runs of consecutive jobs that finish soonest on
    ``workers`` processes.

    ``pads``: the stack pads every member to the bucket's widest width (the conv nets), or stacks each
    width at its own shape (the MLP: one group per width, no padding).

    A run may end between two seeds of one width: once one width outweighs a process's share of the work
    (five seeds on four processes: width 300 alone is a third of it), splitting its seeds is what evens the
    work over the processes. Few buckets cost the least per step, many share the work evenly: for each cap
    on a bucket's cost (a geometric grid from the costliest single job to the whole sweep), the cheapest
    split under the cap (dynamic programming over the jobs) is scheduled as the workers run it, longest
    first, and the split that ends first is kept.
    """
    ordered = sorted(range(len(widths)), key=widths.__getitem__)  # stable: one width's jobs keep their order
    in_order = [widths[job] for job in ordered]
    flops = [flops_of_width(width) for width in in_order]
    count = len(ordered)
    costs = np.full((count, count), np.inf)  # costs[first, last]: the bucket of jobs first..last
    for first in range(count):
        groups, total = 0, 0.0
        for last in range(first, count):
            groups += last == first or in_order[last] != in_order[last - 1]
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
        buckets.append(Bucket(chosen, in_order[first : last + 1], float(costs[first, last]), padded, real))
    return sorted(buckets, key=lambda bucket: -bucket.cost)


def padding_share(buckets: list[Bucket]) -> float:
    """The share of all the buckets' FLOPs spent on padded units."""
    padded = sum(bucket.padded_flops for bucket in buckets)
    return 1.0 - sum(bucket.real_flops for bucket in buckets) / padded if padded else 0.0
