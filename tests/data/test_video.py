"""Moving-digits videos: sprites stay inside the frame, targets are the inputs one frame later."""

import numpy as np
import torch

from dlr.data.video import MovingDigitsDataModule, bounce


def test_bounce_reflects_off_the_walls():
    path = bounce(np.array([0.0, 5.0]), np.array([3.0, -2.0]), n_frames=8, limit=10)
    assert path.min() >= 0 and path.max() <= 10
    assert path[:, 0].tolist() == [0, 3, 6, 9, 8, 5, 2, 1]


def test_moving_digits_are_next_frame_pairs_with_one_sprite_moving():
    dm = MovingDigitsDataModule(n_videos=20, n_frames=6, frame_size=16, batch_size=4)
    dm.setup()
    assert dm.input_shape == (5, 1, 16, 16) and dm.data_kind == "video" and dm.task_type == "regression"
    torch.testing.assert_close(dm.train.x[:, 1:], dm.train.y[:, :-1])
    frames = dm.train.x
    assert 0 <= frames.min() and frames.max() <= 1
    lit = (frames > 0).flatten(2).sum(-1)
    assert (lit > 0).all() and (lit <= 64).all()  # one 8x8 sprite in every frame
    assert not torch.equal(frames[:, 0], frames[:, -1])  # and it moves
