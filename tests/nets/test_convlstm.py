"""The convolutional LSTM learns motion: its next frames beat copying the last frame, and it saves them."""

from pathlib import Path

import torch

from dlr.nets.convlstm import ConvLSTM
from dlr.run.train import train
from tests.conftest import FAST

SMALL_VIDEOS = ["data.n_videos=300", "data.n_frames=6", "data.frame_size=16", "data.batch_size=16"]


def test_convlstm_predicts_next_frames_better_than_copying_the_last(make_cfg):
    cfg = make_cfg(
        [*FAST, "model=convlstm", "data=moving_digits", *SMALL_VIDEOS, "width=8", "optimizer.lr=0.01"]
    )
    record = train(cfg)
    metrics = record["metrics"]
    assert metrics["test/frame_mse"] < 0.8 * metrics["test/copy_last_mse"]  # measured 0.031 against 0.052
    run_dir = Path(cfg.paths.output_dir)
    assert (run_dir / "frame_prediction.png").stat().st_size > 0 and (
        run_dir / "frame_prediction.gif"
    ).is_file()


def test_output_is_one_predicted_frame_per_input_frame_starting_from_a_copy():
    net = ConvLSTM((5, 1, 12, 12), 5, width=4, depth=2)
    video = torch.rand(3, 5, 1, 12, 12)
    torch.testing.assert_close(net(video), video)  # untrained, the predicted change is zero
