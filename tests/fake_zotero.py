"""A loopback stand-in for the Zotero Web API v3 and Zotero desktop's local API.

It serves a library held in memory the way api.zotero.org does: versioned objects,
``since``, ``includeTrashed``, ``/deleted?since=``, ``If-Modified-Since-Version`` (304),
``Last-Modified-Version``, ``Total-Results``, ``Link`` pagination and file downloads. Tests
edit the library between syncs and script faults (429 with ``Retry-After``, 5xx, dropped
connections, a held response) for the next requests. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int = 0


@dataclass
class Fault:
    """A scripted answer for one coming request: a status, a dropped connection, or a hold."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    drop: bool = False
    hold: threading.Event | None = None
    when: str = ""  # only for requests whose path contains this


class FakeZotero:
    """A Zotero library served over HTTP on 127.0.0.1; use as a context manager."""

    def __init__(
        self,
        *,
        library: str = "users/475425",
        api_key: str = "",
        local: bool = False,
        name: str = "Z public library",
    ) -> None:
        self.library, self.api_key, self.local, self.name = library, api_key, local, name
        self.items: dict[str, dict[str, Any]] = {}
        self.collections: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.local_paths: dict[str, str] = {}
        self.deletions: list[tuple[int, str, str]] = []
        self.version = 0
        self.seen: list[Seen] = []
        self.faults: list[Fault] = []
        self.backoff = ""
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- the library -------------------------------------------------------------------------
    def _stamp(self, obj: dict[str, Any], kind: str) -> dict[str, Any]:
        obj = copy.deepcopy(obj)
        data = obj.setdefault("data", {})
        key = obj.setdefault("key", data.get("key"))
        data["key"] = key
        obj["version"] = data["version"] = self.version
        obj.setdefault(
            "library",
            {
                "type": self.library.split("/")[0][:-1],
                "id": int(self.library.split("/")[1]),
                "name": self.name,
            },
        )
        obj.setdefault(
            "links",
            {
                "self": {
                    "href": f"https://api.zotero.org/{self.library}/{kind}/{key}",
                    "type": "application/json",
                }
            },
        )
        obj.setdefault("meta", {})
        return obj

    def write(
        self, items: Iterable[dict[str, Any]] = (), collections: Iterable[dict[str, Any]] = ()
    ) -> int:
        """Add or replace objects in one write (one new library version); return it."""
        with self._lock:
            self.version += 1
            for obj in collections:
                obj = self._stamp(obj, "collections")
                self.collections[obj["key"]] = obj
            for obj in items:
                obj = self._stamp(obj, "items")
                self.items[obj["key"]] = obj
            return self.version

    def load(
        self,
        items: Iterable[dict[str, Any]],
        collections: Iterable[dict[str, Any]] = (),
    ) -> None:
        """Serve recorded objects as they are, versions included."""
        for obj in collections:
            self.collections[obj["key"]] = copy.deepcopy(obj)
        for obj in items:
            self.items[obj["key"]] = copy.deepcopy(obj)
        self.version = max(
            [
                self.version,
                *(o["version"] for o in self.items.values()),
                *(o["version"] for o in self.collections.values()),
            ]
        )

    def edit(self, key: str, **fields: Any) -> int:
        """Change fields of an item's data in one write."""
        obj = copy.deepcopy(self.items[key])
        obj["data"].update(fields)
        return self.write([obj])

    def delete(self, *keys: str, kind: str = "items") -> int:
        """Delete items (or collections) for good, as emptying the trash does."""
        with self._lock:
            self.version += 1
            for key in keys:
                (self.items if kind == "items" else self.collections).pop(key, None)
                self.deletions.append((self.version, kind, key))
            return self.version

    # -- faults ------------------------------------------------------------------------------
    def fail(
        self,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: str = "",
        when: str = "",
    ) -> None:
        """Answer the next ``times`` requests with ``status``."""
        self.faults += [Fault(status, headers or {}, body, when=when) for _ in range(times)]

    def drop(self, *, times: int = 1, when: str = "") -> None:
        """Close the connection without answering the next ``times`` requests."""
        self.faults += [Fault(drop=True, when=when) for _ in range(times)]

    def hold(self, when: str) -> threading.Event:
        """Hold the next request whose path contains ``when`` until the event is set."""
        event = threading.Event()
        self.faults.append(Fault(hold=event, when=when))
        return event

    def _fault(self, path: str) -> Fault | None:
        with self._lock:
            for i, f in enumerate(self.faults):
                if f.when in path:
                    return self.faults.pop(i)
        return None

    # -- serving -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}" + ("/api" if self.local else "")

    def requests_to(self, part: str) -> list[Seen]:
        """Return the requests whose path contains ``part``."""
        return [s for s in self.seen if part in s.path]

    def __enter__(self) -> FakeZotero:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for f in self.faults:
            if f.hold is not None:
                f.hold.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def answer(
        self,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], bytes]:
        """Return (status, headers, body) for one GET."""
        prefix = "/api/" if self.local else "/"
        if not path.startswith(prefix):
            return 404, {"Content-Type": "text/plain"}, b"Not found"
        rest = path[len(prefix) :]
        key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not self.local and self.api_key and key != self.api_key:
            # Echoes what it was sent, so tests show the client never repeats a body.
            return 403, {"Content-Type": "text/plain"}, f"Invalid key {key}".encode()
        if not rest.startswith(self.library + "/"):
            return 404, {"Content-Type": "text/plain"}, b"Not found"
        route = rest[len(self.library) + 1 :].split("/")
        with self._lock:
            if route == ["items"] or route == ["collections"]:
                return self._list(route[0], path, query, headers)
            if route == ["deleted"] and not self.local:
                since = int(query.get("since", 0))
                out: dict[str, list[str]] = {
                    k: [] for k in ("collections", "items", "searches", "tags", "settings")
                }
                for version, kind, k in self.deletions:
                    if version > since:
                        out[kind].append(k)
                return 200, self._headers(), json.dumps(out).encode()
            if len(route) >= 3 and route[0] == "items" and route[2] == "file":
                return self._file(route[1], route[3:])
        return 404, {"Content-Type": "text/plain"}, b"Not found"

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        out = {
            "Content-Type": "application/json",
            "Zotero-API-Version": "3",
            "Last-Modified-Version": str(self.version),
        }
        if self.backoff:
            out["Backoff"] = self.backoff
        return {**out, **(extra or {})}

    def _list(
        self,
        kind: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
    ) -> tuple[int, dict[str, str], bytes]:
        since = int(query.get("since", 0) or 0)
        seen = headers.get("if-modified-since-version")
        if seen and int(seen) and self.version <= int(seen):
            return 304, self._headers(), b""
        store = self.items if kind == "items" else self.collections
        objs = [
            o
            for o in store.values()
            if o["version"] > since
            and (
                kind != "items"
                or query.get("includeTrashed") == "1"
                or not o["data"].get("deleted")
            )
        ]
        objs.sort(key=lambda o: (o["version"], o["key"]))
        start = int(query.get("start", 0) or 0)
        limit = int(query["limit"]) if query.get("limit") else (len(objs) if self.local else 25)
        page = objs[start : start + max(limit, 0)]
        links = []
        base = f"http://{self._server.server_address[0]}:{self._server.server_address[1]}{path}"
        if start + limit < len(objs):
            nxt = {**query, "start": str(start + limit)}
            last = {**query, "start": str(max(0, (len(objs) - 1) // limit * limit))}
            links.append(f'<{base}?{urlencode(nxt)}>; rel="next"')
            links.append(f'<{base}?{urlencode(last)}>; rel="last"')
        links.append(f'<https://www.zotero.org/{quote(self.library)}/{kind}>; rel="alternate"')
        extra = {"Total-Results": str(len(objs)), "Link": ", ".join(links)}
        if query.get("format") == "versions":
            body = json.dumps({o["key"]: o["version"] for o in page})
        else:
            body = json.dumps(page, ensure_ascii=False)
        return 200, self._headers(extra), body.encode()

    def _file(self, key: str, tail: list[str]) -> tuple[int, dict[str, str], bytes]:
        if self.local:
            if key not in self.local_paths:
                return 404, {"Content-Type": "text/plain"}, b"Not found"
            url = "file://" + quote(self.local_paths[key])
            if tail == ["view", "url"]:
                return 200, {"Content-Type": "text/plain"}, url.encode()
            return 302, {"Location": url, "Content-Type": "text/plain"}, b""
        if key not in self.files:
            return 404, {"Content-Type": "text/plain"}, b"Not found"
        return 200, {"Content-Type": "application/pdf"}, self.files[key]


def _handler(server: FakeZotero) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm on, each response
        # would wait for the client's delayed acknowledgement (about 40 ms).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query))
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen = Seen(parts.path, query, headers)
            server.seen.append(seen)
            fault = server._fault(parts.path)
            if fault is not None and fault.hold is not None:
                fault.hold.wait(30)
                fault = None
            if fault is not None and fault.drop:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if fault is not None:
                status, extra, body = fault.status, fault.headers, fault.body.encode()
                extra = {"Content-Type": "text/plain", **extra}
            else:
                status, extra, body = server.answer(parts.path, query, headers)
            seen.status = status
            try:
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client was killed while it waited

    return Handler
