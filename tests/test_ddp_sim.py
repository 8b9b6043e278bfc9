"""DDP simulated with 2 CPU processes over gloo trains through the same flow and records one result."""

import torch

from dlr.run import train


def test_ddp_sim_trains_on_two_processes(make_cfg):
    cfg = make_cfg(
        [
            "trainer=ddp_sim",
            "data=digits",
            "trainer.max_epochs=5",
            "callbacks=none",
            # saving is collective: every rank must take the same every_s decision, or the run hangs
            "+callbacks.last_checkpoint._target_=dlr.last_checkpoint.LastCheckpoint",
            "+callbacks.last_checkpoint.dirpath=${paths.output_dir}/checkpoints",
            "+callbacks.last_checkpoint.every_s=0",
            "logger=none",
            "trainer.num_sanity_val_steps=0",
            "test=false",
        ]
    )
    record = train(cfg)
    assert record["status"] == "completed"
    assert record["metrics"]["val/acc"] > 0.5  # chance is 0.1
    assert record["data"]["batches_per_step"] == 1  # DDP syncs gradients once per Lightning step
    last = torch.load(f"{cfg.paths.output_dir}/checkpoints/last.ckpt", weights_only=True)
    assert last["epoch"] == 5  # written at the end of training, after 5 epochs
