"""A page on another port of the studio's host, in the victim's own browser, while the
victim is logged in (Chromium sends the login cookie there: same site, other origin).

It tries what issue 19 found working: open the studio's WebSocket (to drive My account
and mint a token), post forms to the login routes, post to the API and to Streamlit's
upload route. Every one is refused, no token appears, and the studio keeps working in
the victim's own tab.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from studio.accounts.tokens import ApiTokens
from tests.fixtures.browser import (
    SHOTS,
    USERS,
    WAIT_MS,
    LaunchStudio,
    RunningStudio,
    fill_login,
    new_page,
    wait_until_idle,
)
from tests.jobs.harness import free_port

# The attacker's page: a socket to the studio, and a post to each kind of route, with the
# browser's cookies; what came of each lands in `window.results`.
ATTACK = """<!DOCTYPE html>
<html><body>
<h1>Cute cats</h1>
<script>
const studio = new URLSearchParams(location.search).get("studio");
window.results = {};
function socket(name) {
  const ws = new WebSocket(studio.replace("http", "ws") + "/_stcore/stream");
  ws.onopen = () => { window.results[name] = "open"; };
  ws.onclose = (e) => { window.results[name] = window.results[name] || "refused " + e.code; };
}
socket("socket");
const posts = {
  api: [studio + "/api/v1/jobs", "POST", '{"model": "x"}'],
  upload: [studio + "/_stcore/upload_file/s/f", "POST", "x"],  // no-cors: no PUT
};
for (const [name, [url, method, body]] of Object.entries(posts)) {
  fetch(url, {method, body, credentials: "include", mode: "no-cors"})
    .then(() => { window.results[name] = "sent"; })
    .catch(() => { window.results[name] = "failed"; });
}
</script>
<form id="logout" method="post"></form>
</body></html>
"""


@pytest.fixture(scope="module")
def studio(launch_studio: LaunchStudio) -> RunningStudio:
    return launch_studio()


@pytest.fixture
def other_port(tmp_path: Path) -> Iterator[str]:
    """Another web app on the same host: a plain http.server on another port of 127.0.0.1."""
    (tmp_path / "cats.html").write_text(ATTACK)
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def open_socket(page: Any, studio_url: str) -> str:
    """Opens a WebSocket to the studio from ``page``; "open" or "refused <code>"."""
    return str(
        page.evaluate(
            """(url) => new Promise((done) => {
                const ws = new WebSocket(url.replace("http", "ws") + "/_stcore/stream");
                ws.onopen = () => { done("open"); ws.close(); };
                ws.onclose = (e) => done("refused " + e.code);
            })""",
            studio_url,
        )
    )


def test_a_page_on_another_port_cannot_use_the_victims_login(
    studio: RunningStudio, chromium: Any, other_port: str
):
    context, page, _ = new_page(chromium)
    page.goto(f"{studio.url}/account")
    fill_login(page, "ana", USERS["ana"])
    page.get_by_role("heading", name="My account").wait_for()
    wait_until_idle(page)
    assert open_socket(page, studio.url) == "open"  # the studio's own page may

    # The victim opens the attacker's page in another tab of the same browser.
    evil = context.new_page()
    evil.goto(f"{other_port}/cats.html?studio={studio.url}")
    evil.wait_for_function("Object.keys(window.results).length === 3", timeout=WAIT_MS)
    results = evil.evaluate("window.results")
    assert results["socket"].startswith("refused"), results
    assert open_socket(evil, studio.url).startswith("refused")
    assert open_socket(evil, studio.url.replace("127.0.0.1", "localhost")).startswith("refused")
    evil.screenshot(path=str(SHOTS / "origin-other-port.png"))

    # A form posted from there (logging the victim out, or in as someone else) is refused.
    evil.evaluate(
        "(url) => { const f = document.getElementById('logout'); f.action = url; f.submit(); }",
        f"{studio.url}/auth/logout",
    )
    expect(evil.get_by_text("another site's page")).to_be_visible()

    refusals = [
        f"WebSocket refused: Origin '{other_port}'",
        f"POST /api/v1/jobs refused: from '{other_port}'",
        f"POST /_stcore/upload_file/s/f refused: from '{other_port}'",
    ]
    deadline = time.monotonic() + 30  # the server's log reaches its file a moment later
    while not all(line in studio.log.read_text() for line in refusals):
        assert time.monotonic() < deadline, studio.log.read_text()[-3000:]
        time.sleep(0.2)
    assert ApiTokens(studio.data / "catalog.sqlite3").list("ana") == []  # nothing minted
    evil.close()

    # The victim's own tab still works: still logged in, and a token made there is made.
    page.reload()
    page.get_by_role("heading", name="My account").wait_for()
    wait_until_idle(page)
    page.get_by_label("Name of the new token").fill("laptop")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_text("studio_", exact=False).first).to_be_visible()
    tokens = ApiTokens(studio.data / "catalog.sqlite3")
    deadline = time.monotonic() + 30  # the page's text may show before the run that saves it
    while not tokens.list("ana"):
        assert time.monotonic() < deadline, "the token made in the victim's own tab"
        time.sleep(0.2)
    assert [t.name for t in tokens.list("ana")] == ["laptop"]
    context.close()
