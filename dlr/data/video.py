"""Generated moving-digits videos: sklearn's 8x8 digit sprites bouncing inside larger frames.

Each video has ``n_frames`` frames of ``(1, frame_size, frame_size)`` with ``n_digits`` sprites moving at a
constant velocity and bouncing off the walls; overlapping sprites combine by maximum, as in Moving MNIST.
A sample is next-frame prediction: the input is frames ``0..T-2`` and the target frames ``1..T-1``, both
``(T-1, 1, H, W)`` in [0, 1]. Test videos use sprites of digits held out from the training videos.
"""

import numpy as np
import torch
from sklearn.datasets import load_digits

from dlr.data.base import Split, TensorDataModule
from dlr.data.preprocess import split_indices
from dlr.errors import require

SPRITE = 8


def bounce(start: np.ndarray, velocity: np.ndarray, n_frames: int, limit: int) -> np.ndarray:
    """``(n_frames, 2)`` integer positions in [0, limit] moving at ``velocity``, reflected by the walls."""
    unfolded = start + velocity * np.arange(n_frames)[:, None]
    period = 2 * limit
    folded = np.mod(unfolded, period)
    return np.where(folded > limit, period - folded, folded).round().astype(int)


def moving_digits(
    sprites: np.ndarray,
    n_videos: int,
    n_frames: int,
    frame_size: int,
    n_digits: int,
    max_speed: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """``(n_videos, n_frames, frame_size, frame_size)`` float32 videos made from random ``(8, 8)`` sprites."""
    limit = frame_size - SPRITE
    videos = np.zeros((n_videos, n_frames, frame_size, frame_size), dtype=np.float32)
    for video in videos:
        for _ in range(n_digits):
            sprite = sprites[rng.integers(len(sprites))]
            angle = rng.uniform(0, 2 * np.pi)
            speed = rng.uniform(0.5 * max_speed, max_speed)
            velocity = speed * np.array([np.cos(angle), np.sin(angle)])
            path = bounce(rng.uniform(0, limit, 2), velocity, n_frames, limit)
            for frame, (row, col) in zip(video, path, strict=True):
                window = frame[row : row + SPRITE, col : col + SPRITE]
                np.maximum(window, sprite, out=window)
    return videos


class MovingDigitsDataModule(TensorDataModule):
    data_kind = "video"

    def __init__(
        self,
        name: str = "moving_digits",
        n_videos: int = 1000,
        n_frames: int = 10,
        frame_size: int = 24,
        n_digits: int = 1,
        max_speed: float = 2.0,
        test_fraction: float = 0.2,
        dataset_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        require(n_videos >= 10, "data.n_videos", f"must be >= 10, got {n_videos}")
        require(n_frames >= 3, "data.n_frames", f"must be >= 3 (context plus prediction), got {n_frames}")
        require(
            frame_size > SPRITE,
            "data.frame_size",
            f"must exceed the {SPRITE}-pixel sprites, got {frame_size}",
        )
        require(n_digits >= 1 and max_speed > 0, "data.n_digits", "need n_digits >= 1 and max_speed > 0")
        require(0.0 < test_fraction < 1.0, "data.test_fraction", f"must be in (0, 1), got {test_fraction}")
        require(self.label_noise == 0, "data.label_noise", "videos have no labels; set it to 0")
        self.name = name
        self.n_videos, self.n_frames, self.frame_size = n_videos, n_frames, frame_size
        self.n_digits, self.max_speed, self.test_fraction, self.dataset_seed = (
            n_digits,
            max_speed,
            test_fraction,
            dataset_seed,
        )

    def load(self) -> tuple[Split, Split]:
        digits = load_digits()
        sprites = (digits.images / 16.0).astype(np.float32)
        train_sprites, test_sprites = split_indices(len(sprites), self.test_fraction, self.dataset_seed)
        n_test = int(round(self.test_fraction * self.n_videos))
        rng = np.random.default_rng(self.dataset_seed)
        make = (self.n_frames, self.frame_size, self.n_digits, self.max_speed, rng)
        splits = []
        for indices, count in ((train_sprites, self.n_videos - n_test), (test_sprites, n_test)):
            videos = torch.from_numpy(moving_digits(sprites[indices.numpy()], count, *make)).unsqueeze(2)
            splits.append(Split(videos[:, :-1].contiguous(), videos[:, 1:].contiguous()))
        return splits[0], splits[1]

    def describe(self) -> dict:
        return {**super().describe(), "n_frames": self.n_frames, "frame_size": self.frame_size}
