"""One error type for every bad input, so entry points can print it as one line and exit non-zero."""


class ConfigError(ValueError):
    """A config value, file or checkpoint that cannot be used. The message names the key and what is allowed."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(f"{key}: {message}")


def require(condition: bool, key: str, message: str) -> None:
    if not condition:
        raise ConfigError(key, message)


class RunFailure(RuntimeError):
    """A run that cannot go on for a reason found while it runs (a non-finite loss), told in one line."""
