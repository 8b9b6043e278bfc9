"""W&B as its users use it: online when they are logged in, offline when not, and one line that says which.

Logged in means what wandb itself reads: ``WANDB_API_KEY``, ``WANDB_IDENTITY_TOKEN_FILE``, or the netrc entry
``wandb login`` writes for the W&B host (``WANDB_BASE_URL``, by default api.wandb.ai; the file is ``$NETRC``
or ``~/.netrc``). A ``WANDB_MODE`` the user set wins over that guess, and ``logger.wandb.offline=true|false``
in the config wins over both.

The mode reaches wandb as ``WandbLogger(mode=...)``, never as Lightning's ``offline=True``, which sets
``WANDB_MODE`` in ``os.environ`` for the rest of the process: the next run in the same notebook would be
offline too.
"""

import netrc
import os
from pathlib import Path
from urllib.parse import urlparse

from dlr import console
from dlr.errors import require

DEFAULT_HOST = "https://api.wandb.ai"
#: WANDB_MODE values, and the mode each means.
USER_MODES = {"online": "online", "offline": "offline", "dryrun": "offline", "disabled": "disabled"}
SYNC_HINT = "`wandb sync <run dir>/wandb/offline-run-*` uploads it later"


def netrc_file() -> Path:
    """Where ``wandb login`` keeps the key: ``$NETRC``, else ``~/.netrc`` (``~/_netrc`` where only it exists)."""
    if os.environ.get("NETRC"):
        return Path(os.environ["NETRC"]).expanduser()
    home = Path("~/.netrc").expanduser()
    windows = Path("~/_netrc").expanduser()
    return windows if windows.exists() and not home.exists() else home


def credentials() -> str | None:
    """Where wandb would find this user's credentials, or None when the user is not logged in."""
    for variable in ("WANDB_API_KEY", "WANDB_IDENTITY_TOKEN_FILE"):
        if os.environ.get(variable):
            return variable
    host = urlparse(os.environ.get("WANDB_BASE_URL") or DEFAULT_HOST).hostname
    path = netrc_file()
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (OSError, netrc.NetrcParseError):  # no file, or one netrc cannot read: not logged in
        return None
    return f"{path} ({host})" if entry and entry[2] else None


def decide(offline: bool | None) -> tuple[str, str]:
    """The W&B mode (``online``, ``offline``, ``disabled``) for ``logger.wandb.offline`` (null: decide), and
    the one line that says which and why."""
    if offline is not None:
        mode = "offline" if offline else "online"
        return mode, f"W&B: {mode} (logger.wandb.offline={str(offline).lower()})"
    user_mode = os.environ.get("WANDB_MODE", "").lower()
    if user_mode in USER_MODES:
        mode = USER_MODES[user_mode]
        return mode, f"W&B: {mode} (WANDB_MODE={user_mode})"
    source = credentials()
    if source is not None:
        return "online", f"W&B: online, logged in by {source}"
    return "offline", f"W&B: offline, not logged in (no WANDB_API_KEY, no `wandb login`); {SYNC_HINT}"


def logger_options(spec) -> dict:
    """``WandbLogger`` arguments for the ``logger.wandb`` config ``spec``: the mode decided, said in one line."""
    mode, line = decide(spec.get("offline"))
    console.console.print(line, highlight=False)
    require(
        mode == "online" or not spec.get("log_model"),
        "logger.wandb.log_model",
        f"W&B is {mode}, so checkpoints cannot be uploaded; log in (wandb login) or set it to false",
    )
    return {"offline": False, "mode": mode}
