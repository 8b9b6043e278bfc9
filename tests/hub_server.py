"""A Hugging Face Hub on 127.0.0.1, for tests: repositories served from folders the way the Hub's file
endpoint serves them, so the real ``huggingface_hub`` (under ``HF_ENDPOINT``) downloads them into a real cache.

``<repos>/<owner>/<name>/<files>`` is the repository ``owner/name``. ``HEAD`` and ``GET`` on
``/<owner>/<name>/resolve/<revision>/<file>`` answer with the headers the client reads (``X-Repo-Commit``,
``ETag``, ``Content-Length``) and the Hub's error codes (``X-Error-Code: RepoNotFound`` or
``EntryNotFound`` with a 404). ``/api/models/<owner>/<name>[/revision/<revision>]`` (the model's info and files, which
``snapshot_download`` reads) and its ``tree/<revision>/<path>`` listing answer as the Hub's API does, which
transformers asks about tags and chat templates. Anything else
gets a 404. Every request is kept in ``requests``.
"""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def _blob(file: Path) -> dict:
    """A file as the Hub's tree lists it: its size and its git blob id."""
    content = file.read_bytes()
    return {"size": len(content), "oid": hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()}


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, *args) -> None:  # the test reads ``requests`` instead
        pass

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        self.server.requests.append((self.command, self.path))
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        api = parts[:2] == ["api", "models"]
        owner_and_name = parts[2:4] if api else parts[:2]
        repo = self.server.repos.joinpath(*owner_and_name) if len(owner_and_name) == 2 else None
        if repo is None or not repo.is_dir():
            return self._missing("RepoNotFound")
        commit = hashlib.sha1(repo.name.encode()).hexdigest()
        files = sorted(str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file())
        if api and (len(parts) == 4 or parts[4:5] == ["revision"]):  # the model's info, at main or a revision
            info = {"id": "/".join(owner_and_name), "sha": commit, "tags": [], "siblings": files}
            return self._send(
                json.dumps({**info, "siblings": [{"rfilename": f} for f in files]}).encode(), body
            )
        if api and len(parts) >= 6 and parts[4] == "tree":
            folder = "/".join(parts[6:])
            if folder and not (repo / folder).is_dir():
                return self._missing("EntryNotFound", commit)
            listed = [f for f in files if f.startswith(folder)]
            entries = [{"type": "file", "path": f, **_blob(repo / f)} for f in listed]
            return self._send(json.dumps(entries).encode(), body)
        if api or len(parts) < 5 or parts[2] != "resolve":
            return self._missing("RepoNotFound")
        file = repo / "/".join(parts[4:])
        if not file.is_file():
            return self._missing("EntryNotFound", commit)
        content = file.read_bytes()
        self._send(
            content, body, {"X-Repo-Commit": commit, "ETag": f'"{hashlib.sha256(content).hexdigest()}"'}
        )

    def _send(self, content: bytes, body: bool, headers: dict | None = None) -> None:
        self.send_response(200)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)

    def _missing(self, code: str, commit: str | None = None) -> None:
        self.send_response(404)
        self.send_header("X-Error-Code", code)
        if commit:
            self.send_header("X-Repo-Commit", commit)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, repos: Path):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.repos = repos
        self.requests: list[tuple[str, str]] = []


class HubServer:
    """``with HubServer(folder) as hub:`` serves ``folder``'s repositories at ``hub.url``."""

    def __init__(self, repos: Path):
        self._server = _Server(Path(repos))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.requests = self._server.requests

    def __enter__(self) -> "HubServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def downloaded(self) -> list[str]:
        """The files fetched with GET, by path in their repository."""
        return [
            path.split("/resolve/", 1)[1].split("/", 1)[1]
            for method, path in self.requests
            if method == "GET" and "/resolve/" in path
        ]
