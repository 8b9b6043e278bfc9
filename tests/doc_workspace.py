"""Where and how tests/test_docs.py runs the docs' commands: clone-like directories, forked runners, placeholders.

The rules themselves are described at the top of tests/test_docs.py.
"""

import os
import queue
import re
import shlex
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.doc_commands import DocCommand
from tests.forked_runner import ForkedRunner

ROOT = Path(__file__).resolve().parents[1]
NOT_CLONED = {".git", "outputs", "data", ".venv", ".pytest_cache", ".ruff_cache", "__pycache__"}


@dataclass
class Rules:
    budget_of: Callable[[str], list[str]]  # the overrides appended to a command
    user_files: dict[str, Callable[[Path], None]]  # files a doc asks the user to bring, and their writers
    placeholder_globs: dict[str, str]  # placeholders that are not paths, and the paths they stand for
    workers: int  # commands run at once


def needs_outputs(command: DocCommand) -> bool:
    return "<" in command.text or "ckpt_path=last" in command.text


def _reads_checkpoints(command: DocCommand) -> bool:
    return command.text.startswith(("python eval.py", "python predict.py"))


def producer_of(command: DocCommand) -> DocCommand:
    """The command whose outputs ``command`` reads: for eval.py and predict.py the nearest ``train.py`` above
    (which may itself read another run's: a fine-tune of a pretrained checkpoint), else the nearest command
    above that needs no outputs itself."""
    producer = command.previous
    if _reads_checkpoints(command):
        while producer is not None and not producer.text.startswith("python train.py"):
            producer = producer.previous
        if producer is not None:
            return producer
        producer = command.previous
    while producer is not None and needs_outputs(producer):
        producer = producer.previous
    assert producer is not None, f"{command.id}: no command above it makes the outputs it names"
    return producer


@dataclass
class Outcome:
    returncode: int
    output: str
    made: set[Path]  # the run directories the command made
    directory: Path


class Workspace:
    """Clone-like directories and ``rules.workers`` forked runners; each command runs once, producers first."""

    def __init__(self, base: Path, rules: Rules):
        self.base, self.rules = base, rules
        self.data = base / "data_cache"
        self.data.mkdir()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
        env.pop("DLR_ROOT", None)
        self.env = {**env, "WANDB_MODE": "offline", "WANDB_SILENT": "true"}
        self.idle: queue.Queue[ForkedRunner] = queue.Queue()
        for _ in range(rules.workers):
            self.idle.put(ForkedRunner(ROOT, self.env))
        self.pool = ThreadPoolExecutor(rules.workers)
        self.futures: dict[str, Future] = {}
        self.lock = threading.Lock()

    def submit(self, command: DocCommand) -> Future:
        """Start ``command`` (after its producer, if it needs one's outputs), unless it is already started."""
        with self.lock:
            if command.id in self.futures:
                return self.futures[command.id]
            future: Future = Future()
            self.futures[command.id] = future
        if needs_outputs(command):
            producer = self.submit(producer_of(command))
            producer.add_done_callback(lambda done: self._chain(command, done, future))
        else:
            self._chain(command, None, future)
        return future

    def _chain(self, command: DocCommand, producer: Future | None, future: Future) -> None:
        def run() -> None:
            try:
                source = None
                if producer is not None:
                    made = producer.result()
                    assert made.returncode == 0, (
                        f"needs the outputs of a command that exited {made.returncode}"
                    )
                    source = made.directory
                future.set_result(self._run(command, source))
            except BaseException as error:
                future.set_exception(error)

        self.pool.submit(run)

    def _directory(self, source: Path | None) -> Path:
        with self.lock:
            directory = self.base / f"cmd{len(list(self.base.iterdir()))}"
            if source is not None:
                shutil.copytree(source, directory, symlinks=True)
                return directory
            directory.mkdir()
        for entry in ROOT.iterdir():
            if entry.name not in NOT_CLONED:
                (directory / entry.name).symlink_to(entry)
        (directory / "data").symlink_to(self.data)
        return directory

    def _run(self, command: DocCommand, producer_directory: Path | None) -> Outcome:
        directory = self._directory(producer_directory)
        before = run_directories(directory)
        words = resolve_placeholders(command.text, directory, self.rules.placeholder_globs)
        env_words = words[: next(i for i, word in enumerate(words) if "=" not in word)]
        argv = words[len(env_words) :] + self.rules.budget_of(command.text)
        env = {**self.env, **dict(w.split("=", 1) for w in env_words)}
        for name, write in self.rules.user_files.items():
            if name in command.text:
                write(directory / name)
        log = directory / "command.log"
        runner = self.idle.get()
        try:
            returncode = runner.run(argv, directory, env, log, log)
        finally:
            self.idle.put(runner)
        return Outcome(
            returncode, log.read_text(errors="replace"), run_directories(directory) - before, directory
        )

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        while not self.idle.empty():
            self.idle.get().close()


def resolve_placeholders(text: str, directory: Path, globs: dict[str, str]) -> list[str]:
    for placeholder, pattern in globs.items():
        if placeholder in text:
            text = text.replace(placeholder, newest(directory, pattern))
    words = []
    for word in shlex.split(text):
        key, value = re.match(r"^([\w.+~/-]+=)?(.*)$", word).groups()
        if "<" in value:
            value = newest(directory, re.sub(r"<[^>]*>", "*", value))
        words.append((key or "") + value)
    return words


def newest(directory: Path, pattern: str) -> str:
    matches = sorted(directory.glob(pattern), key=lambda path: path.stat().st_mtime)
    assert matches, f"nothing in {directory} matches {pattern}"
    return str(matches[-1].relative_to(directory))


def run_directories(directory: Path) -> set[Path]:
    return {hydra.parent for hydra in (directory / "outputs").rglob(".hydra")}
