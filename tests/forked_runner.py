"""Runs ``python <script> <args>`` commands as processes forked from one interpreter that imported dlr once.

A fresh ``python train.py`` spends ~10 s importing torch and Lightning on the shared 2 cores; the docs
test runs dozens of commands. Each command here is still its own process (own working directory,
environment, stdout, exit code, process group), started by ``fork`` after the imports and before any
torch work, then ``runpy`` runs the script as ``__main__`` as the interpreter would.

Protocol: one JSON request per line on stdin, ``{"argv", "cwd", "env", "stdout", "stderr", "timeout_s"}``
(``stdout``, ``stderr``: files, possibly the same); one JSON reply per line on stdout, ``{"returncode"}``.
``ForkedRunner`` is the client the tests use.
"""

import json
import os
import runpy
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path


def preload() -> None:
    import hydra  # noqa: F401
    import pytorch_lightning  # noqa: F401

    import dlr.run.evaluate  # noqa: F401
    import dlr.run.train  # noqa: F401


def run_script(argv: list[str]) -> int:
    """Run ``argv`` (``["python", ...]``) in this process, as ``python`` would; return its exit code."""
    try:
        if argv[1] == "-m":
            sys.argv = [argv[2], *argv[3:]]
            runpy.run_module(argv[2], run_name="__main__", alter_sys=True)
        else:
            script = os.path.abspath(argv[1])
            sys.argv = argv[1:]
            sys.path[0] = os.path.dirname(os.path.realpath(script))
            runpy.run_path(script, run_name="__main__")
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            return exit_.code or 0
        print(exit_.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def child(request: dict) -> None:
    os.setpgid(0, 0)  # the command and whatever it spawns (DDP ranks, sweep workers) form one group
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    if "OMP_NUM_THREADS" in request["env"]:  # torch read it at import, before the fork
        import torch

        torch.set_num_threads(int(request["env"]["OMP_NUM_THREADS"]))
    stdout = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    same = request["stderr"] == request["stdout"]
    stderr = stdout if same else os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(stdout, 1)
    os.dup2(stderr, 2)
    sys.stdin = open(0)  # noqa: SIM115
    code = run_script(request["argv"])
    sys.stdout.flush()
    sys.stderr.flush()
    raise SystemExit(code)  # a normal interpreter exit: atexit handlers (loggers, W&B) run


def wait(pid: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return -signal.SIGKILL


def serve() -> None:
    preload()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(request)
        print(json.dumps({"returncode": wait(pid, request["timeout_s"])}), flush=True)


class ForkedRunner:
    """Starts ``serve`` in a child interpreter (imports paid once) and runs commands through it, one at a time."""

    def __init__(self, root: Path, env: dict[str, str]):
        self.server = subprocess.Popen(
            [sys.executable, "-m", "tests.forked_runner"],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert json.loads(self.server.stdout.readline())["ready"]

    def run(
        self,
        argv: list[str],
        cwd: Path,
        env: dict[str, str],
        stdout: Path,
        stderr: Path,
        timeout_s: float = 600,
    ) -> int:
        request = {"argv": argv, "cwd": str(cwd), "env": env, "timeout_s": timeout_s}
        request |= {"stdout": str(stdout), "stderr": str(stderr)}
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        return json.loads(self.server.stdout.readline())["returncode"]

    def close(self) -> None:
        self.server.stdin.close()
        self.server.wait(timeout=60)


if __name__ == "__main__":
    serve()
