"""The base of every in-memory datamodule: splits, subsampling, label noise and fast batch slicing.

A subclass implements ``load()`` returning train and test tensors (and optionally class names); this
class carves the validation split out of the training data, subsamples ``n_train``, injects seeded
label noise, and serves batches through :class:`TensorLoader`. Nets are built from ``input_shape`` and
``output_size``; ``data_kind`` tells which architectures fit.
"""

from dataclasses import dataclass

import pytorch_lightning as pl
import torch

from dlr.data.folds import check_fold, fold_indices
from dlr.data.loader import TensorLoader
from dlr.errors import require

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass
class Split:
    x: torch.Tensor
    y: torch.Tensor


class TensorDataModule(pl.LightningDataModule):
    #: What the input tensors are: tabular, signal, image, sequence, graph, video, ...
    data_kind = "tabular"

    def __init__(
        self,
        batch_size: int = 64,
        val_fraction: float = 0.1,
        n_train: int | None = None,
        label_noise: float = 0.0,
        seed: int = 0,
        eval_batch_size: int = 1024,
        classes: list[int] | None = None,
        n_per_class: int | None = None,
        batches_per_step: int | str = "auto",
        cv_folds: int | None = None,
        cv_fold: int | None = None,
    ):
        super().__init__()
        check_fold(cv_folds, cv_fold)
        require(
            isinstance(batch_size, int) and batch_size >= 1,
            "data.batch_size",
            f"must be an integer >= 1, got {batch_size}",
        )
        require(0.0 <= label_noise < 1.0, "data.label_noise", f"must be in [0, 1), got {label_noise}")
        require(0.0 <= val_fraction < 1.0, "data.val_fraction", f"must be in [0, 1), got {val_fraction}")
        require(n_train is None or n_train >= 1, "data.n_train", f"must be null or >= 1, got {n_train}")
        per_class_ok = n_per_class is None or n_per_class >= 1
        require(per_class_ok, "data.n_per_class", f"must be null or >= 1, got {n_per_class}")
        distinct = classes is None or len(set(classes)) == len(classes) >= 2
        require(distinct, "data.classes", f"must be null or >= 2 distinct class ids, got {classes}")
        require(
            batches_per_step == "auto" or (isinstance(batches_per_step, int) and batches_per_step >= 1),
            "data.batches_per_step",
            f"must be auto or an integer >= 1, got {batches_per_step!r}",
        )
        self.batch_size = batch_size
        #: As configured; dlr.run.batch_groups resolves it into ``train_group_size`` once the trainer is known.
        self.batches_per_step = batches_per_step
        self.train_group_size = 1
        self.eval_batch_size = eval_batch_size
        self.val_fraction = val_fraction
        self.n_train = n_train
        self.label_noise = label_noise
        #: Keep only these classes, renumbered 0..k-1 in the order given (pretrain on 0-4, fine-tune on 5-9).
        self.classes = list(classes) if classes is not None else None
        #: At most this many training samples of each class (few-label fine-tuning).
        self.n_per_class = n_per_class
        self.seed = seed
        #: k-fold cross-validation (dlr.experiments.kfold): fold ``cv_fold`` of the training data validates.
        self.cv_folds, self.cv_fold = cv_folds, cv_fold
        self.noisy_indices: list[int] = []
        self.class_names: list[str] | None = None
        self.train: Split | None = None
        #: Applied to each training batch where it lands, e.g. :class:`dlr.data.augment.BatchAugment`.
        self.batch_augment = None
        self._prepared = False

    # -- subclasses -----------------------------------------------------------------------------
    def load(self) -> tuple[Split, Split]:
        """Return (train, test) splits. Classification targets are int64 class ids."""
        raise NotImplementedError

    @property
    def task_type(self) -> str:
        return CLASSIFICATION if self.train.y.dtype == torch.long else REGRESSION

    # -- shapes ------------------------------------------------------------------------------------
    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.train.x.shape[1:])

    @property
    def output_size(self) -> int:
        """Number of classes for classification, number of targets for regression."""
        if self.task_type == CLASSIFICATION:
            return int(max(self.train.y.max(), self.test.y.max())) + 1
        return 1 if self.train.y.dim() == 1 else self.train.y.shape[1]

    @property
    def num_classes(self) -> int | None:
        return self.output_size if self.task_type == CLASSIFICATION else None

    # -- Lightning hooks ---------------------------------------------------------------------------
    def setup(self, stage: str | None = None) -> None:
        if self._prepared:
            return
        train, self.test = self.load()
        if self.classes is not None:
            train, self.test = self._keep_classes(train), self._keep_classes(self.test)
            self.class_names = self.class_names and [self.class_names[c] for c in self.classes]
        generator = torch.Generator().manual_seed(self.seed)
        if self.cv_fold is None:
            order = torch.randperm(len(train.x), generator=generator)
            n_val = int(round(self.val_fraction * len(order)))
            val_idx, train_idx = order[:n_val], order[n_val:]
        else:
            val_idx, train_idx = fold_indices(train.y, self.cv_folds, self.cv_fold, generator)
        if self.n_train is not None:
            require(
                self.n_train <= len(train_idx),
                "data.n_train",
                f"must be <= {len(train_idx)} (training samples available), got {self.n_train}",
            )
            train_idx = train_idx[: self.n_train]
        if self.n_per_class is not None:
            require(train.y.dtype == torch.long, "data.n_per_class", "applies to classification data only")
            labels = train.y[train_idx]
            train_idx = torch.cat([train_idx[labels == c][: self.n_per_class] for c in labels.unique()])
        self.val = Split(train.x[val_idx], train.y[val_idx])
        self.train = Split(train.x[train_idx].clone(), train.y[train_idx].clone())
        if self.label_noise > 0:
            require(
                self.task_type == CLASSIFICATION,
                "data.label_noise",
                "applies to classification data only; set it to 0",
            )
            self._inject_label_noise(generator)
        self._prepared = True

    def _keep_classes(self, split: Split) -> Split:
        require(split.y.dtype == torch.long, "data.classes", "applies to classification data only")
        present = sorted(split.y.unique().tolist())
        require(set(self.classes) <= set(present), "data.classes", f"must be among {present}: {self.classes}")
        renumber = torch.full((int(split.y.max()) + 1,), -1, dtype=torch.long)
        renumber[self.classes] = torch.arange(len(self.classes))
        kept = renumber[split.y] >= 0
        return Split(split.x[kept], renumber[split.y[kept]])

    def _inject_label_noise(self, generator: torch.Generator) -> None:
        n = len(self.train.y)
        chosen = torch.randperm(n, generator=generator)[: int(round(self.label_noise * n))]
        self.train.y[chosen] = torch.randint(self.output_size, (len(chosen),), generator=generator)
        self.noisy_indices = sorted(chosen.tolist())

    def _epoch(self) -> int:
        return self.trainer.current_epoch if self.trainer is not None else 0

    def _loader(
        self, split: Split, batch_size: int, shuffle: bool, batches_per_step: int = 1, augment=None
    ) -> TensorLoader:
        trainer = self.trainer
        rank, world = (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)
        return TensorLoader(
            (split.x, split.y),
            batch_size,
            shuffle=shuffle,
            seed=self.seed,
            rank=rank,
            world_size=world,
            epoch_fn=self._epoch if shuffle else None,
            batches_per_step=batches_per_step,
            device=trainer.strategy.root_device if trainer is not None else None,
            augment=augment,
        )

    def train_dataloader(self) -> TensorLoader:
        return self._loader(
            self.train,
            self.batch_size,
            True,
            batches_per_step=self.train_group_size,
            augment=self.batch_augment,
        )

    @property
    def has_validation(self) -> bool:
        """False for ``val_fraction=0``: then nothing is validated, and the test split is never used instead."""
        return len(self.val.x) > 0

    def val_dataloader(self) -> TensorLoader:
        return self._loader(self.val, self.eval_batch_size, shuffle=False)

    def test_dataloader(self) -> TensorLoader:
        return self._loader(self.test, self.eval_batch_size, shuffle=False)

    def describe(self) -> dict:
        """Facts about the data that belong in the run record."""
        return {
            "data_kind": self.data_kind,
            "task_type": self.task_type,
            "input_shape": list(self.input_shape),
            "output_size": self.output_size,
            "n_train": len(self.train.x),
            "n_val": len(self.val.x),
            "n_test": len(self.test.x),
            "label_noise": self.label_noise,
            "batches_per_step": self.train_group_size,
            "n_noisy_labels": len(self.noisy_indices),
        }
