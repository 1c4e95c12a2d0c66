#!/usr/bin/env python3
"""Opens an authorization link in headless Chromium and clicks Accept on the consent page.

Usage: consent.py URL EXPECTED_TEXT
Drives chromedriver through its W3C WebDriver HTTP API (standard library only). Prints the page
text it ended on; exits 0 when that text contains EXPECTED_TEXT, 1 otherwise.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

TIMEOUT_S = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
        return json.loads(resp.read() or b"null")["value"]


def wait_for(pred, what):
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            value = pred()
            if value:
                return value
        except Exception:  # not ready yet (driver starting, page loading)
            pass
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def main():
    url, expected = sys.argv[1], sys.argv[2]
    port = free_port()
    profile = tempfile.mkdtemp(prefix="jirad-chromium-")
    driver = subprocess.Popen([shutil.which("chromedriver"), f"--port={port}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    session = None
    try:
        wait_for(lambda: call(base, "GET", "/status")["ready"], "chromedriver")
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": shutil.which("chromium") or "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", f"--user-data-dir={profile}"],
            },
        }}}
        session = call(base, "POST", "/session", caps)["sessionId"]
        s = f"/session/{session}"
        call(base, "POST", s + "/url", {"url": url})
        button = wait_for(lambda: call(base, "POST", s + "/element",
                                       {"using": "css selector", "value": "#accept"}),
                          "the Accept button")
        element = next(iter(button.values()))
        call(base, "POST", f"{s}/element/{element}/click", {})

        def landed():
            body = call(base, "POST", s + "/element", {"using": "css selector", "value": "body"})
            text = call(base, "GET", f"{s}/element/{next(iter(body.values()))}/text")
            return text if expected in text else None

        text = wait_for(landed, f"a page saying {expected!r}")
        print(text)
        return 0
    finally:
        if session:
            try:
                call(base, "DELETE", f"/session/{session}")
            except Exception:
                pass
        driver.terminate()
        driver.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
