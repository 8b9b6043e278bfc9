"""Downloading when a network answers, reading what is on disk when none does, and never hanging.

Whether a network answers is asked once, with a short connect timeout (name lookup included, which a
socket timeout does not bound), of the host the files come from, or of the proxy that urllib would use.
A download then runs with a read timeout, so a stalled server ends in an error rather than a hang.
"""

import socket
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

#: Seconds to open a connection (and look the name up): a network that answers does so well within it.
CONNECT_TIMEOUT_S = 3.0
#: Seconds a download may wait for its next bytes before it is abandoned.
READ_TIMEOUT_S = 60.0


def _address(url: str) -> tuple[str, int] | None:
    """Where a request for ``url`` connects first: the proxy urllib would use, else the host itself."""
    parts = urlsplit(url)
    if not parts.hostname:
        return None
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname):
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    default_port = 443 if parts.scheme == "https" else 80
    return parts.hostname, parts.port or default_port


def network_answers(url: str, timeout: float = CONNECT_TIMEOUT_S) -> bool:
    """Whether a TCP connection to ``url``'s host (or proxy) opens within ``timeout`` seconds."""
    address = _address(url)
    if address is None:
        return False
    opened: list[bool] = []

    def connect() -> None:
        try:
            with socket.create_connection(address, timeout=timeout):
                opened.append(True)
        except OSError:
            pass

    # The name lookup inside create_connection ignores the timeout; a daemon thread bounds it too.
    prober = threading.Thread(target=connect, daemon=True)
    prober.start()
    prober.join(timeout + 1.0)
    return bool(opened)


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


@contextmanager
def read_timeout(seconds: float = READ_TIMEOUT_S) -> Iterator[None]:
    """Sockets opened inside time out after ``seconds`` without data (urllib's downloads set none)."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def one_line(error: BaseException) -> str:
    """An exception's message on one line (torchvision's download errors span several)."""
    text = " ".join(str(error).split())
    return text[:300] if text else type(error).__name__
