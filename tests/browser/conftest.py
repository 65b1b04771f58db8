"""Browser tests: Playwright (Python) driving Debian's Chromium, headless, against
a real server (uvicorn on a loopback port, one per test module), as people use
the pages: a phone-sized window (375 px, the WeChat in-app browser) unless a
test asks for a desktop one.

SQLite only, on purpose: these tests are about the pages, not the storage; the
storage contract (event store and every read model) is tested on SQLite and
PostgreSQL elsewhere, and one backend keeps the browser tests quick.

Every page visited is screenshotted into `tests/browser/artifacts/` (kept as a
test artefact, ignored by git), and every request any page makes is recorded:
a request to any host but the platform's own fails the test.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from api.app import create_app
from qihui.bootstrap import Platform, bootstrap
from qihui.settings import Settings
from tests.http import create_staff, http, live_server, login

CHROMIUM = Path(os.environ.get("QIHUI_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "a-long-enough-password"
_shots = itertools.count(1)


@dataclass
class Site:
    url: str
    platform: Platform
    api: Any  # an httpx client on the server
    staff: dict[str, str]  # the staff account's Authorization header (for what has no page yet)
    foreign: list[str] = field(default_factory=list)  # requests to any other host

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def watch(self, context: Any) -> None:
        def seen(request: Any) -> None:
            parts = urlsplit(request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.host:
                self.foreign.append(request.url)

        context.on("request", seen)


@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts() -> None:
    """This run's screenshots only."""
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()


# One browser for the browser tests only: Playwright's sync API keeps an event loop running in
# this thread while it lives, and the tests after these (asyncio.run in the relay and rush
# tests) need the thread back, so it stops when the package's tests are done.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run tests/browser/ensure_chromium.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # A fresh, temporary profile for every launch (Playwright's default).
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("browser")
    env = {"QIHUI_DATA_DIR": str(data / "var"),
           "QIHUI_SECRET_KEY": "browser-secret-key-0123456789abcdef-tokens",
           "QIHUI_CHAIN_KEY": "browser-chain-key-0123456789abcdef-hash-chain",
           "QIHUI_RATE_LIMIT_SIGN_IN": "100000/60", "QIHUI_RATE_LIMIT_APPLY": "100000/60",
           "QIHUI_TOKEN_TTL_SECONDS": str(60 * 86400),  # tests move the clock by days
           "QIHUI_SCHEDULER_INTERVAL": "3600", "QIHUI_READ_WAIT": "15"}
    platform = bootstrap(Settings.from_env(env))
    create_staff(platform)
    app = create_app(platform)
    try:
        with live_server(app) as url, http(url) as api:
            yield Site(url=url, platform=platform, api=api, staff=login(api))
    finally:
        platform.close()


@pytest.fixture(autouse=True)
def _only_our_own_host(request: pytest.FixtureRequest) -> Iterator[None]:
    """No page may ask any host but the platform's own (no CDN, no font service, no tracker)."""
    yield
    if "site" in request.fixturenames:
        found: Site = request.getfixturevalue("site")
        foreign, found.foreign[:] = list(found.foreign), []
        assert foreign == [], f"pages requested other hosts: {foreign}"


def person(browser: Any, site: Site, *, desktop: bool = False, lang: str = "zh-CN") -> Any:
    """One person: their own browser context (cookies), a page in it."""
    context = browser.new_context(viewport=DESKTOP if desktop else PHONE, locale=lang,
                                  base_url=site.url, timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    site.watch(context)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "cancel the registration?" — yes
    return page


def shot(page: Any, name: str) -> Path:
    """A full-page screenshot, numbered in the order taken."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{next(_shots):03d}-{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.wait_for_load_state("load")  # images (the QR codes) drawn
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/portal/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/portal/?$"))


def no_serious_accessibility_violations(page: Any) -> None:
    """axe-core (shipped inside the axe-playwright-python wheel, injected into the page, no
    network): no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"
