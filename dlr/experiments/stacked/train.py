"""Training one bucket of stacked members: each with its own data order, labels and optimizer state.

Every member sees exactly the batches its solo run would: its train split (which depends on its seed),
its noisy labels, and each epoch the permutation dlr's TensorLoader draws for its seed. The loss is the sum
of the members' mean batch losses, so each member's gradient is its own. A member whose loss stops being
finite is recorded failed and zeroed; the others go on.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from dlr.data.base import Split, TensorDataModule
from dlr.data.loader import TensorLoader
from dlr.experiments.stacked.nets import stack
from dlr.tasks.supervised import SupervisedTask


@dataclass
class BucketResult:
    metrics: list[dict[str, float]]
    errors: list[str | None]
    optimizer_states: list[dict] = field(default_factory=list)
    steps: int = 0
    fit_s: float = 0.0
    padding_share: float = 0.0


class MemberSplits:
    """One split of every member, inputs shared between members of one seed: (seeds, n, *input shape)."""

    def __init__(self, splits: list[Split], seeds: list[int], device: torch.device):
        self.seeds = sorted(set(seeds))
        first_of_seed = {seed: splits[seeds.index(seed)] for seed in self.seeds}
        self.x = torch.stack([first_of_seed[seed].x for seed in self.seeds]).to(device)
        self.y = torch.stack([split.y for split in splits]).to(device)
        self.seed_of_member = torch.tensor([self.seeds.index(seed) for seed in seeds], device=device)
        self.shared = len(self.seeds) == 1

    def __len__(self) -> int:
        return self.x.shape[1]

    def inputs(self, x: torch.Tensor) -> torch.Tensor:
        """(seeds, batch, *input shape) -> (members, batch, *input shape)."""
        members = len(self.seed_of_member)
        return x.expand(members, *x.shape[1:]) if self.shared else x[self.seed_of_member]


def epoch_orders(seeds: list[int], n: int, batch_size: int, epoch: int) -> torch.Tensor:
    """(seeds, n): the sample order of this epoch for each seed, drawn by the very loader a solo run uses."""
    orders = []
    for seed in seeds:
        loader = TensorLoader((torch.arange(n),), n, shuffle=True, seed=seed, epoch_fn=lambda: epoch)
        orders.append(next(iter(loader))[0])
    return torch.stack(orders)


def sample_losses(logits: torch.Tensor, targets: torch.Tensor, bitwise: Sequence[int]) -> torch.Tensor:
    """(members, batch, classes), (members, batch) -> (members, batch) cross-entropies.

    The ``bitwise`` members' are computed on rows of logits, as a solo run computes them: bit for bit its
    losses and gradients. The others' over a (members, classes, batch) view, within a float rounding of
    them (its softmax sums in another order): on AVX-512, a softmax along rows of 10 classes spends most of
    its time on partial vectors, 3.6x as long as along the batch for 75 members.
    """
    if len(bitwise) == len(targets):
        return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none").view(targets.shape)
    losses = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    if not bitwise:
        return losses
    rows = torch.tensor(bitwise, device=targets.device)
    own = F.cross_entropy(logits[rows].flatten(0, 1), targets[rows].flatten(), reduction="none")
    return losses.index_copy(0, rows, own.view(len(bitwise), -1))


@torch.no_grad()
def evaluate(model: nn.Module, data: MemberSplits, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean cross-entropy and accuracy of every member on its split."""
    loss_sum = torch.zeros(len(data.seed_of_member), device=data.x.device)
    correct = torch.zeros_like(loss_sum)
    for start in range(0, len(data), batch_size):
        logits = model(data.inputs(data.x[:, start : start + batch_size]))
        targets = data.y[:, start : start + batch_size]
        loss_sum += sample_losses(logits, targets, model.bitwise_members).sum(1)
        correct += (logits.argmax(-1) == targets).sum(1)
    return loss_sum / len(data), correct / len(data)


def train_bucket(
    tasks: list[SupervisedTask],
    datamodules: list[TensorDataModule],
    epochs: int,
    validate: bool,
    device: torch.device,
) -> BucketResult:
    """Train the members together, write the trained weights back into each task's net, return metrics."""
    seeds = [dm.seed for dm in datamodules]
    model = stack([task.net for task in tasks]).to(device)
    optimizer = tasks[0].optimizer_factory(list(model.parameters()), foreach=True)
    train = MemberSplits([dm.train for dm in datamodules], seeds, device)
    batch_size = datamodules[0].batch_size
    alive = torch.ones(len(tasks), device=device)
    errors: list[str | None] = [None] * len(tasks)
    metrics: list[dict[str, float]] = [{} for _ in tasks]
    started, steps = time.perf_counter(), 0
    for epoch in range(epochs):
        orders = epoch_orders(train.seeds, len(train), batch_size, epoch).to(device)
        inputs = train.x[torch.arange(len(train.seeds), device=device)[:, None], orders]
        targets = train.y.gather(1, orders[train.seed_of_member])
        loss_sum = torch.zeros_like(alive)
        correct = torch.zeros_like(alive)
        for start in range(0, len(train), batch_size):
            batch_targets = targets[:, start : start + batch_size]
            logits = model(train.inputs(inputs[:, start : start + batch_size]))
            losses = sample_losses(logits, batch_targets, model.bitwise_members).mean(1)
            (losses @ alive).backward()  # alive is 0 for a diverged member: no gradient
            model.mask_gradients()
            optimizer.step()
            optimizer.zero_grad()
            steps += 1
            loss_sum.add_(losses.detach(), alpha=batch_targets.shape[1])
            if epoch == epochs - 1:  # the solo run's train metrics are those of its last epoch
                correct += (logits.argmax(-1) == batch_targets).sum(1)
        diverged = (~torch.isfinite(loss_sum)) & (alive > 0)
        for member in diverged.nonzero().flatten().tolist():
            errors[member] = f"diverged: train/loss is {loss_sum[member].item()} in epoch {epoch}"
            _clear_member(model, optimizer, tasks[member].net, member)
            alive[member] = 0
        if epoch == epochs - 1:
            for member, values in enumerate(metrics):
                values["train/acc"] = (correct[member] / len(train)).item()
                values["train/loss"] = (loss_sum[member] / len(train)).item()
    fit_s = time.perf_counter() - started
    model.eval()
    for stage in ["val", "test"] if validate else ["test"]:
        splits = [_eval_split(dm, stage) for dm in datamodules]
        loss, acc = evaluate(model, MemberSplits(splits, seeds, device), datamodules[0].eval_batch_size)
        for member, values in enumerate(metrics):
            values.update({f"{stage}/acc": acc[member].item(), f"{stage}/loss": loss[member].item()})
    states = []
    for member, task in enumerate(tasks):
        model.export(task.net, member)
        states.append(_member_optimizer_state(model, optimizer, task, member))
    return BucketResult(metrics, errors, states, steps, fit_s, model.padding_share)


def _eval_split(datamodule: TensorDataModule, stage: str) -> Split:
    """The split a solo run scores in ``stage``: its validation loader falls back on test when val is empty."""
    if stage == "val" and len(datamodule.val.x):
        return datamodule.val
    return datamodule.test


def _clear_member(model: nn.Module, optimizer: torch.optim.Optimizer, net: nn.Module, member: int) -> None:
    """Zero a diverged member's weights and optimizer state: NaN moments would keep its outputs NaN."""
    model.clear_member(member)
    for stacked, _, entries in model.member_slices(net, member):
        for value in optimizer.state.get(stacked, {}).values():
            if torch.is_tensor(value) and value.shape == stacked.shape:
                entries(value).zero_()


def _member_optimizer_state(
    model: nn.Module, optimizer: torch.optim.Optimizer, task: SupervisedTask, member: int
) -> dict:
    """The member's slice of the stacked optimizer state, as its own optimizer's ``state_dict()``."""
    own = task.optimizer_factory(task.parameter_groups())
    for stacked, param, entries in model.member_slices(task.net, member):
        own.state[param] = {
            name: entries(value).clone() if torch.is_tensor(value) and value.shape == stacked.shape else value
            for name, value in optimizer.state.get(stacked, {}).items()
        }
    return own.state_dict()
