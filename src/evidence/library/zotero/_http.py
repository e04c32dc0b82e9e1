"""Talking to Zotero through pyzotero: bounded retries, ``Backoff``, and pulling what changed.

The pyzotero client is handed (through its ``client`` argument) an HTTP client whose
transport retries 429, 5xx and dropped connections with bounded exponential backoff, honours
``Retry-After`` and ``Backoff`` itself, and counts requests. Errors become
:class:`ZoteroError` messages that say what to change; they never carry the API key or a
response body (a body may quote the request).

Two things pyzotero's public API does not offer are done on its public attributes: the
endpoint (a Zotero server other than zotero.org or the desktop's default address) is set
on ``endpoint``, and ``url_params`` is cleared before each call, since a failed call leaves
its parameters behind for the next one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import httpx2
from pyzotero import zotero, zotero_errors

from evidence.config import ZoteroSettings
from evidence.errors import ZoteroError

__all__ = ["FileUnavailable", "Pull", "ZoteroClient", "ZoteroUnavailable", "library_label"]

_WEB_ENDPOINT = "https://api.zotero.org"
_LOCAL_ENDPOINT = "http://localhost:23119/api"
_RETRY = {429, 500, 502, 503, 504}
_PAGE = 100  # the Web API's largest page


class ZoteroUnavailable(ZoteroError):
    """Zotero did not answer, or kept failing after the retries: try again later."""


class FileUnavailable(Exception):
    """One attachment file could not be fetched (the rest of the sync goes on)."""


def library_label(settings: ZoteroSettings) -> str:
    """Return ``users/123`` or ``groups/456`` (``users/0`` for the local user library)."""
    ident = settings.library_id or ("0" if settings.local else "")
    return f"{settings.library_type}s/{ident}"


class _RetryTransport(httpx2.BaseTransport):
    """An httpx transport that retries transient failures and respects Zotero's backoff."""

    def __init__(
        self,
        inner: httpx2.BaseTransport,
        *,
        retries: int,
        base_delay: float,
        max_delay: float,
        max_wait: float,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.inner, self.retries, self.base, self.cap = inner, retries, base_delay, max_delay
        self.max_wait, self.sleep, self.clock = max_wait, sleep, clock
        self.requests = 0
        self.retried = 0
        self.waited = 0.0
        self._not_before = 0.0

    def _pause(self, seconds: float) -> None:
        if seconds > self.max_wait:
            raise ZoteroUnavailable(
                f"Zotero asks to wait {seconds:.0f} s before the next request; run the sync "
                "again later"
            )
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)

    @staticmethod
    def _seconds(response: httpx2.Response, *names: str) -> float | None:
        for name in names:
            try:
                return max(0.0, float(response.headers[name]))
            except (KeyError, ValueError):
                continue
        return None

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        """Return Zotero's answer to ``request``, retried while it fails for a while."""
        attempt = 0
        while True:
            self._pause(self._not_before - self.clock())
            self.requests += 1
            try:
                response = self.inner.handle_request(request)
            except httpx2.UnsupportedProtocol:
                raise
            except httpx2.TransportError as exc:
                self._check_attempts(request, exc, attempt)
                delay = None
            else:
                backoff = self._seconds(response, "Backoff")
                if backoff is not None:
                    self._not_before = self.clock() + backoff
                if response.status_code not in _RETRY:
                    # pyzotero would sleep again for these headers; the transport has
                    # already honoured them (with its own clock, which tests control).
                    for name in ("Backoff", "Retry-After"):
                        response.headers.pop(name, None)
                    return response
                delay = self._refused(response, attempt)
            self.retried += 1
            self._pause(delay if delay is not None else min(self.cap, self.base * 2**attempt))
            attempt += 1

    def _check_attempts(
        self, request: httpx2.Request, exc: httpx2.TransportError, attempt: int
    ) -> None:
        """Raise ``ZoteroUnavailable`` when a failed connection is not worth trying again."""
        # Nobody listening (offline, Zotero desktop closed) rarely fixes itself within
        # seconds; a connection dropped halfway often does.
        limit = min(self.retries, 2) if isinstance(exc, httpx2.ConnectError) else self.retries
        if attempt >= limit:
            raise ZoteroUnavailable(
                f"Zotero at {request.url.host}:{request.url.port or 443} did not answer "
                f"after {attempt + 1} attempts ({type(exc).__name__}); check the "
                "connection (or that Zotero desktop is running) and sync again"
            ) from None

    def _refused(self, response: httpx2.Response, attempt: int) -> float | None:
        """Return how long Zotero asks to wait after a busy answer; raise after the last try."""
        response.read()
        response.close()
        if attempt >= self.retries:
            raise ZoteroUnavailable(
                f"Zotero answered {response.status_code} to {attempt + 1} attempts; "
                "it is busy or down: run the sync again later"
            )
        return self._seconds(response, "Retry-After", "Backoff")


@dataclass
class Pull:
    """What changed in the library since a version, and the library version it reached."""

    version: int
    items: list[dict[str, Any]] = field(default_factory=list)
    collections: list[dict[str, Any]] = field(default_factory=list)
    deleted_items: list[str] = field(default_factory=list)
    deleted_collections: list[str] = field(default_factory=list)
    complete: bool = False


class _Changed(Exception):
    """The library changed while it was being read: read it again."""


class _NotModified(Exception):
    """Nothing changed since the version asked about (304)."""


_NOT_MODIFIED = object()


def _pyzotero(
    settings: ZoteroSettings, label: str, api_key: str, client: httpx2.Client
) -> zotero.Zotero:
    """Return a pyzotero client of the library ``label`` at the configured endpoint."""
    zot = zotero.Zotero(
        label.split("/")[1],
        settings.library_type,
        api_key=api_key or None,
        local=settings.local,
        client=client,
    )
    default = _LOCAL_ENDPOINT if settings.local else _WEB_ENDPOINT
    zot.endpoint = (settings.endpoint or default).rstrip("/")
    return zot


class ZoteroClient:
    """A pyzotero client for the configured library, with retries; counts its requests."""

    def __init__(
        self,
        settings: ZoteroSettings,
        api_key: str = "",
        *,
        transport: httpx2.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        retries: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 30.0,
        max_wait: float = 300.0,
        timeout: float = 60.0,
    ) -> None:
        self.local = settings.local
        self.label = library_label(settings)
        if not settings.library_id and not settings.local:
            raise ZoteroError(
                "[zotero] library_id is empty in evidence.toml: set your user ID "
                "or the group's ID (https://www.zotero.org/settings/keys)"
            )
        self._key = api_key
        self.transport = _RetryTransport(
            transport or httpx2.HTTPTransport(),
            retries=retries,
            base_delay=base_delay,
            max_delay=max_delay,
            max_wait=max_wait,
            sleep=sleep,
            clock=clock,
        )
        self.client = httpx2.Client(
            follow_redirects=True,
            transport=self.transport,
            timeout=timeout,
            trust_env=not settings.local,  # the desktop's local API: never through a proxy
        )
        self.zot = _pyzotero(settings, self.label, api_key, self.client)

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()

    @property
    def requests(self) -> int:
        """Return how many HTTP requests were sent (retries included)."""
        return self.transport.requests

    def _fail(self, status: int, what: str) -> ZoteroError:
        where = f"{self.label} at {urlparse(self.zot.endpoint).netloc}"
        if status in (401, 403) and self.local:
            return ZoteroError(
                f"Zotero desktop refused {what} ({status}): enable its local API in Settings → "
                "Advanced → 'Allow other applications on this computer to communicate with "
                "Zotero', or set local = false in [zotero]"
            )
        if status in (401, 403):
            return ZoteroError(
                f"Zotero refused {what} of {where} ({status}): the API key in ZOTERO_API_KEY is "
                "wrong, revoked or lacks read access to this library; create one at "
                "https://www.zotero.org/settings/keys and set it in the environment or .env"
            )
        if status == 404:
            return ZoteroError(
                f"Zotero has no library {where} (404): check library_id and library_type in "
                "[zotero] of evidence.toml"
            )
        return ZoteroError(
            f"Zotero refused {what} of {where} ({status}); check [zotero] in evidence.toml"
        )

    def _call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.zot.url_params = None  # pyzotero keeps parameters of a failed call otherwise
        try:
            return method(*args, **kwargs)
        except zotero_errors.PyZoteroError:
            status = self.zot.request.status_code if self.zot.request is not None else 0
            if status == 304:
                return _NOT_MODIFIED
            # Chained without the cause: pyzotero's message quotes the response body.
            raise self._fail(status, what) from None

    def _version(self) -> int:
        try:
            request = self.zot.request
            return int(request.headers.get("Last-Modified-Version", 0)) if request else 0
        except ValueError:
            return 0

    def _pages(
        self, what: str, method: Callable[..., Any], expect: int | None, **params: Any
    ) -> tuple[list[dict[str, Any]], int]:
        page = self._call(what, method, **params)
        if page is _NOT_MODIFIED:
            raise _NotModified
        version = self._version()
        if expect is not None and version != expect:
            raise _Changed
        out = list(page)
        while self.zot.links and self.zot.links.get("next"):
            out.extend(self._call(what, self.zot.follow))
            if self._version() != version:
                raise _Changed
        return out, version

    def pull(self, since: int) -> Pull | None:
        """Return what changed since library version ``since``; None when nothing did.

        The Web API is asked for changed collections first, with ``If-Modified-Since-Version``,
        so an unchanged library costs one request. The local API only knows versions synced
        with zotero.org (local edits keep theirs), so in local mode the whole library is read
        and the caller keeps what differs.
        """
        if self.local:
            return self._pull_local()
        for _ in range(3):
            try:
                return self._pull_web(since)
            except _Changed:
                continue
        raise ZoteroUnavailable(
            f"{self.label} kept changing while it was read; run the sync "
            "again when nobody is editing it"
        )

    def _pull_web(self, since: int) -> Pull | None:
        headers = self.client.headers
        if since:
            headers["If-Modified-Since-Version"] = str(since)
        try:
            collections, version = self._pages(
                "the collections", self.zot.collections, None, since=since, limit=_PAGE
            )
        except _NotModified:
            return None
        finally:
            headers.pop("If-Modified-Since-Version", None)
        extra = {"since": since, "includeTrashed": 1} if since else {}
        items, _ = self._pages("the items", self.zot.items, version, limit=_PAGE, **extra)
        pull = Pull(version=version, items=items, collections=collections, complete=not since)
        if since:
            deleted = self._call("the deletions", self.zot.deleted, since=since)
            if self._version() != version:
                raise _Changed
            pull.deleted_items = [str(k) for k in deleted.get("items", ())]
            pull.deleted_collections = [str(k) for k in deleted.get("collections", ())]
        return pull

    def _pull_local(self) -> Pull:
        collections, version = self._pages(
            "the collections", self.zot.collections, None, limit=None
        )
        items, _ = self._pages("the items", self.zot.items, None, includeTrashed=1, limit=None)
        return Pull(version=version, items=items, collections=collections, complete=True)

    def fetch_file(self, key: str) -> bytes:
        """Return the content of attachment ``key``; raise FileUnavailable when it has none."""
        self.zot.url_params = None
        try:
            content = self.zot.file(key)
        except zotero_errors.PyZoteroError:
            status = self.zot.request.status_code if self.zot.request is not None else 0
            if status in (401, 403):
                raise self._fail(status, f"the file of attachment {key}") from None
            raise FileUnavailable(
                f"Zotero has no file for this attachment ({status}); sync "
                "it from Zotero desktop or attach it again"
            ) from None
        if not isinstance(content, bytes):
            raise FileUnavailable("Zotero answered with data instead of the file")
        return content

    def local_file_path(self, key: str) -> str:
        """Return where Zotero desktop keeps attachment ``key`` (local API only)."""
        url = f"{self.zot.endpoint}/{self.label}/items/{key}/file/view/url"
        response = self.client.get(url, headers=self.zot.default_headers())
        if response.status_code != 200:
            raise FileUnavailable(f"Zotero desktop has no file for it ({response.status_code})")
        return url2pathname(urlparse(response.text.strip()).path)
