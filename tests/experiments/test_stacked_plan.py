"""Which jobs stack: groups by the non-stackable overrides, reasons against stacking, width buckets."""

from dlr.experiments.stacked_plan import group_key, mlp_flops, padding_share, plan_buckets, stack_blockers

DD_WIDTHS = [2, 3, 4, 6, 7, 10, 13, 16, 21, 28, 36, 47, 62, 80, 104, 136, 177, 230, 300]


def test_jobs_differing_only_in_seed_width_and_label_noise_share_a_group():
    one = group_key(["width=8", "seed=0", "data.label_noise=0.15", "optimizer.lr=0.1"])
    assert one == group_key(["optimizer.lr=0.1", "width=300", "seed=4", "data.label_noise=0.0"])
    assert one != group_key(["width=8", "seed=0", "data.label_noise=0.15", "optimizer.lr=0.2"])


def test_buckets_cover_every_job_once_in_width_ranges_with_bounded_padding():
    jobs = [(i, [f"width={w}"], w) for i, w in enumerate(DD_WIDTHS * 3)]  # three seeds

    def flops(width: int) -> int:
        return mlp_flops(width, 2, 40, 10)

    buckets = plan_buckets(jobs, flops, batch_size=100, workers=2)
    assert sorted(index for bucket in buckets for index, _ in bucket.jobs) == list(range(len(jobs)))
    spans = sorted((min(b.widths), max(b.widths)) for b in buckets)
    assert all(high < next_low for (_, high), (next_low, _) in zip(spans, spans[1:], strict=False))
    share = sum(b.cost for b in buckets) / 2  # no bucket of several widths outweighs a worker's share
    assert all(b.cost <= share for b in buckets if len(set(b.widths)) > 1)
    assert 1 < len(buckets) < len(DD_WIDTHS) and padding_share(buckets) < 0.2
    alone = plan_buckets(jobs, flops, batch_size=100, workers=len(jobs))  # many workers: more buckets
    assert len(alone) >= len(buckets)


def test_mlp_cnn_resnet_stack_and_the_reasons_against_stacking_are_named(make_cfg):
    assert stack_blockers(make_cfg(["experiment=dd_mnist1d"])) == []
    assert stack_blockers(make_cfg(["experiment=dd_cnn"])) == []
    assert stack_blockers(make_cfg(["model=resnet"])) == []
    assert stack_blockers(make_cfg(["model=mixer"])) == [
        "model=mixer has no stacked path (stacked: mlp, cnn, resnet)"
    ]
    reasons = stack_blockers(make_cfg(["model.net.dropout=0.1", "scheduler=cosine"]))
    assert reasons == [
        "model.net.dropout > 0 draws random numbers a stack would share",
        "scheduler is not none",
    ]
