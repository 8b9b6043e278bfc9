"""DDP simulated with 2 CPU processes over gloo trains through the same flow and records one result."""

from dlr.run import train


def test_ddp_sim_trains_on_two_processes(make_cfg):
    cfg = make_cfg(
        [
            "trainer=ddp_sim",
            "data=digits",
            "trainer.max_epochs=5",
            "callbacks=none",
            "logger=none",
            "trainer.num_sanity_val_steps=0",
            "test=false",
        ]
    )
    record = train(cfg)
    assert record["status"] == "completed"
    assert record["metrics"]["val/acc"] > 0.5  # chance is 0.1
