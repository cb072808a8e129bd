"""The lesson site, built as the README says (sphinx-build, quick lessons) and opened in a real browser: headless
Chromium (Debian's, driven by Playwright) loads the landing page, two lesson pages and the API reference from a server
on 127.0.0.1; every image on them loads, nothing is fetched from anywhere else, the lesson text is rendered from
its Markdown, and the downloads are the lesson script and its notebook."""
import functools
import http.server
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import zipfile

import matplotlib.image
import pytest

CHROMIUM = shutil.which("chromium")
ROOT = pathlib.Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium; "
                                                         ".ci/run installs it)")
PAGES = {"index.html": 2, "lessons/01_gradient_checking.html": 2, "lessons/02_linear_autoencoder.html": 4,
         "api.html": 0}  # page -> the fewest images it must show (the landing page's two, each lesson's figures)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site, served on 127.0.0.1: yields its base URL."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "MINIGRAD_AE_QUICK": "1"}
    build = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", "-d", str(out / "doctrees"),
                            str(ROOT / "docs"), str(out / "html")], capture_output=True, text=True, env=env,
                           timeout=1800)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    handler = functools.partial(_QuietHandler, directory=str(out / "html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", out
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.mark.parametrize("page_path", list(PAGES))
def test_page_loads_every_image_offline_and_is_not_blank(site, browser, page_path):
    base, out = site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    elsewhere = []
    page.on("request", lambda request: elsewhere.append(request.url)
            if not request.url.startswith((base, "data:")) else None)
    response = page.goto(base + page_path, wait_until="load")
    assert response.status == 200
    images = page.evaluate("""() => Array.from(document.images).map(
        image => ({src: image.currentSrc, loaded: image.complete && image.naturalWidth > 0}))""")
    assert len(images) >= PAGES[page_path], images
    assert [image["src"] for image in images if not image["loaded"]] == []
    assert elsewhere == [], "the site fetched from outside 127.0.0.1"
    shot = out / "screenshots" / (page_path.replace("/", "_").replace(".html", ".png"))
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    pixels = matplotlib.image.imread(shot)
    assert pixels.std() > 0.05, f"{shot} looks blank"
    print(f"screenshot: {shot}")
    page.close()


def test_lesson_page_renders_markdown_checks_figures_and_downloads(site, browser):
    base, _ = site
    page = browser.new_page()
    page.goto(base + "lessons/02_linear_autoencoder.html", wait_until="load")
    assert page.locator("h1").first.inner_text().startswith("Lesson 2 — The linear autoencoder")
    assert page.locator("h2", has_text="1. The gradients, by hand").count() == 1
    assert page.locator("strong", has_text="Onto the package").count() == 1   # **bold** rendered
    assert page.locator("code", has_text="closed_form_grads").count() >= 1              # `code` rendered
    prose = " ".join(page.locator("article p").all_inner_texts())
    assert "**" not in prose and "`" not in prose                                      # no Markdown left raw
    text = page.locator("article").inner_text()
    assert "Lesson 2 checks" in text and "✓" in text and "✗" not in text              # the printed check table
    links = {link.get_attribute("href") for link in page.locator("a.download").all()}
    script = next(link for link in links if link.endswith("02_linear_autoencoder.py"))
    notebook = next(link for link in links if link.endswith("02_linear_autoencoder.ipynb"))
    download = page.request.get(base + "lessons/" + script)
    assert download.text() == (ROOT / "lessons" / "02_linear_autoencoder.py").read_text(encoding="utf-8")
    cells = json.loads(page.request.get(base + "lessons/" + notebook).text())["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# Lesson 2")
    both = zipfile.ZipFile(io.BytesIO(page.request.get(base + "lessons/" + next(
        link for link in links if link.endswith("02_linear_autoencoder.zip"))).body()))
    assert both.read("02_linear_autoencoder.py").decode() == download.text()
    assert json.loads(both.read("02_linear_autoencoder.ipynb"))["cells"] == cells
    page.close()


def test_landing_page_links_every_lesson(site, browser):
    base, _ = site
    page = browser.new_page()
    page.goto(base + "index.html", wait_until="load")
    lessons = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.py"))
    hrefs = {link.get_attribute("href") for link in page.locator("table a").all()}
    assert {f"lessons/{path.stem}.html" for path in lessons} <= hrefs
    page.close()
