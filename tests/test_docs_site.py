"""The documentation site: it builds strictly, its links resolve, and its pages load in Chromium.

The browser is Debian's ``chromium`` (``scripts/bootstrap`` installs it), driven by
Playwright; without it the browser test is skipped on a workstation and fails under CI=true.
Screenshots are kept in ``build/test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import struct
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# As the machine's notes give them: no sandbox as root, and no background connections,
# which this machine's closed network refuses.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = {
    "home": ("", "trigger", ".md-code__button"),
    "reference-client": ("reference/client/", "Client", None),
}
"""Pages opened in the browser: the path in the site, what its first heading starts with,
and an element that only Material's scripts add (the copy button of a code block)."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built with ``mkdocs build --strict`` (broken links and anchors fail it)."""
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}{done.stderr}"
    return out


def test_the_site_builds_every_page_of_the_nav(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "getting-started" / "index.html").is_file()
    assert (site / "search" / "search_index.json").is_file()


# -- links -----------------------------------------------------------------------------------


class _Links(HTMLParser):
    """The ids a page defines and the local targets it points at."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.ids.add(str(values[name]))
        attribute = {"a": "href", "link": "href", "script": "src", "img": "src"}.get(tag)
        if attribute and values.get(attribute):
            self.targets.append(str(values[attribute]))


def _parse(page: Path) -> _Links:
    links = _Links()
    links.feed(page.read_text(encoding="utf-8"))
    return links


def _target_file(site: Path, page: Path, path: str) -> Path:
    base = site if path.startswith("/") else page.parent
    target = (base / unquote(path.lstrip("/"))).resolve()
    return target / "index.html" if target.is_dir() else target


def broken_links(site: Path) -> list[str]:
    """Every local link of the built site whose file or anchor does not exist."""
    parsed = {page: _parse(page) for page in site.rglob("*.html")}
    broken: list[str] = []
    for page, links in parsed.items():
        if page.name == "404.html":
            continue  # served for any missing path, its links are absolute to the site's URL
        for target in links.targets:
            parts = urlsplit(target)
            if parts.scheme or target.startswith("//"):
                continue  # another site: not checked here (and never fetched)
            file = _target_file(site, page, parts.path) if parts.path else page
            where = f"{page.relative_to(site)} -> {target}"
            if not file.exists():
                broken.append(f"{where}: no such file")
            elif parts.fragment and file.suffix == ".html":
                ids = parsed[file].ids if file in parsed else _parse(file).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{where}: no such anchor")
    return broken


def test_every_internal_link_and_anchor_resolves(site: Path) -> None:
    assert broken_links(site) == []


def test_the_link_check_finds_a_broken_link_and_anchor(tmp_path: Path) -> None:
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "index.html").write_text('<h2 id="cursors">Cursors</h2>')
    (tmp_path / "index.html").write_text(
        '<a href="guide/#cursors">ok</a> <a href="guide/#offsets">bad anchor</a>'
        ' <a href="missing/">bad page</a> <a href="https://example.com/x">elsewhere</a>'
        ' <a href="#top">bad local anchor</a>'
    )
    assert broken_links(tmp_path) == [
        "index.html -> guide/#offsets: no such anchor",
        "index.html -> missing/: no such file",
        "index.html -> #top: no such anchor",
    ]


# -- the browser -----------------------------------------------------------------------------


@contextlib.contextmanager
def _serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` over HTTP on 127.0.0.1; its URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    """The built site over HTTP on 127.0.0.1."""
    with _serve(site) as url:
        yield url


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _require_chromium() -> None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    reason = f"{CHROMIUM} is missing (apt-get install chromium; scripts/bootstrap does it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must open the docs in a browser: {reason}")
    pytest.skip(reason)


def load_in_chromium(
    url: str, screenshot: Path, profile: Path, scripted: str | None = None
) -> tuple[list[str], str]:
    """Open ``url`` headless: the console errors, page errors, failed requests and error
    answers seen, and the text of the first heading; a full-page screenshot goes to
    ``screenshot``. ``scripted`` is a selector that must appear (scripts ran)."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    screenshot.unlink(missing_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),  # a fresh profile for every page
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.on(
                "console",
                lambda message: (
                    problems.append(f"console {message.type}: {message.text}")
                    if message.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on(
                "requestfailed", lambda request: problems.append(f"request failed: {request.url}")
            )
            page.on(
                "response",
                lambda answer: (
                    problems.append(f"{answer.status} for {answer.url}")
                    if answer.status >= 400
                    else None
                ),
            )
            response = page.goto(url, wait_until="networkidle")
            if response is None or response.status != 200:
                problems.append(f"{url} answered {response.status if response else 'nothing'}")
            heading = page.locator("h1").first.inner_text(timeout=10_000)
            if scripted is not None:
                page.locator(scripted).first.wait_for(state="attached", timeout=10_000)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            context.close()
    return problems, heading


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_loads_in_chromium_without_errors(name: str, served: str, tmp_path: Path) -> None:
    _require_chromium()
    path, heading, scripted = PAGES[name]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"docs-{name}.png"
    problems, first_heading = load_in_chromium(served + path, shot, tmp_path / "profile", scripted)
    assert problems == []
    assert first_heading.startswith(heading)
    width, height = _png_size(shot)
    assert width == 1280 and height >= 900


def test_the_browser_check_sees_errors(tmp_path: Path) -> None:
    _require_chromium()
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<html><body><h1>Broken</h1><script>console.error('from the console');"
        "throw new Error('from the page');</script><img src='missing.png'></body></html>"
    )
    with _serve(site) as url:
        problems, heading = load_in_chromium(url, tmp_path / "shot.png", tmp_path / "profile")
    assert heading == "Broken"
    assert "console error: from the console" in problems
    assert any("page error" in problem and "from the page" in problem for problem in problems)
    assert any("missing.png" in problem for problem in problems)
    assert _png_size(tmp_path / "shot.png")[0] == 1280


def test_a_missing_chromium_skips_locally_and_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-chromium is missing"):
        _require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must open the docs in a browser"):
        _require_chromium()


# -- the API reference -----------------------------------------------------------------------


def _public_names() -> dict[str, object]:
    import trigger
    import trigger.emulator
    import trigger.types

    names: dict[str, object] = {}
    for module in (trigger, trigger.types, trigger.emulator):
        for name in module.__all__:
            value = getattr(module, name)
            if not isinstance(value, types.ModuleType):  # a module has its own page
                names[f"{module.__name__}.{name}"] = value
    return names


def test_the_reference_documents_every_public_name_and_model_field(site: Path) -> None:
    import msgspec

    ids: set[str] = set()
    for page in (site / "reference").rglob("*.html"):
        ids |= _parse(page).ids
    suffixes = {anchor.rsplit(".", 1)[-1] for anchor in ids}
    qualified = {tuple(anchor.split(".")[-2:]) for anchor in ids if "." in anchor}
    missing = [
        public
        for public, value in _public_names().items()
        if public.rsplit(".", 1)[-1] not in suffixes
    ]
    for public, value in _public_names().items():
        if isinstance(value, type) and issubclass(value, msgspec.Struct):
            missing += [
                f"{public}.{field.name}"
                for field in msgspec.structs.fields(value)
                if (value.__name__, field.name) not in qualified
            ]
    assert not missing, f"not in the API reference: {missing}"
