"""Headless Chromium driven through the Chrome DevTools protocol, for pages opened from disk."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evidence.report import CHROMIUM_HEADLESS

CHROMIUM = Path("/usr/bin/chromium")


class DevTools:
    """Just enough of the Chrome DevTools protocol: navigate, evaluate, click, screenshot."""

    def __init__(self, url: str, timeout: float = 120) -> None:
        import websocket  # a test extra; the tests that need a browser skip without it

        self.ws = websocket.create_connection(url, timeout=timeout, suppress_origin=True)
        self.next_id = 0

    def send(self, method: str, **params: object) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression: str) -> object:
        result = self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, seconds: float = 60) -> object:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"still false after {seconds} s: {expression}")

    def click(self, selector: str) -> None:
        """Click the middle of the element, as a mouse does."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box  # type: ignore[misc]
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def open(self, url: str, ready: str = "document.documentElement.dataset.ready") -> None:
        self.send("Page.enable")
        self.send("Page.navigate", url=url)
        self.wait_for(f"document.readyState === 'complete' && {ready} === 'true'")

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(data["data"]))


def stop(process: subprocess.Popen) -> None:
    """Stop a process started here, with the children it started (its own session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def chromium(profile: Path, width: int = 1400, height: int = 1000) -> Iterator[DevTools]:
    """Start headless Chromium with its own profile; yield a driver of its first page."""
    browser = subprocess.Popen(
        [
            str(CHROMIUM),
            *CHROMIUM_HEADLESS,
            "--remote-debugging-port=0",
            f"--window-size={width},{height}",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    tools: DevTools | None = None
    try:
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not active.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        port = int(active.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as reply:
            page = next(t for t in json.load(reply) if t["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        yield tools
    finally:
        if tools is not None:
            tools.ws.close()
        stop(browser)
