"""axe-core in Chromium (light and dark) and the Nu HTML checker over the reader's pages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def reader_paths(live_server: str) -> list[str]:
    """One page of each kind: home, article, category, tag, tags, an older page and a 404."""
    home = urllib.request.urlopen(live_server + "/").read().decode()
    article = home.split('class="item-title"><a href="', 1)[1].split('"', 1)[0]
    return ["/", article, "/categories/politics", "/tags/housing", "/tags", "/no-such-page", "/admin/login"]


ADMIN_PATHS = ["/admin/", "/admin/articles/new", "/admin/articles/1/edit", "/admin/articles/1/delete",
               "/admin/comments", "/admin/account", "/admin/categories", "/admin/tags", "/admin/categories/1",
               "/admin/tags/1"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("who", ["reader", "admin"])
def test_axe_finds_no_violations(browser, live_server, admin_state, scheme, who):
    assert AXE.exists(), "run `npm ci` (make test does) to install axe-core"
    # Our Content-Security-Policy would block the injected script: bypass it for the checker only.
    state = admin_state if who == "admin" else None
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, storage_state=state)
    page = context.new_page()
    problems = {}
    for path in (ADMIN_PATHS if who == "admin" else reader_paths(live_server)):
        page.goto(live_server + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        found = [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:80]})" for v in result["violations"]]
        if found:
            problems[path] = found
    context.close()
    assert problems == {}


def test_pages_are_valid_html(browser, live_server, admin_state, tmp_path):
    if not shutil.which("java") and not os.environ.get("CI"):
        pytest.skip("the Nu HTML checker needs Java: apt-get install default-jre-headless")
    files = []
    admin = browser.new_context(storage_state=admin_state)
    for number, path in enumerate(reader_paths(live_server) + ADMIN_PATHS):
        # The 404 page is checked too; admin pages are fetched with the admin's cookies.
        response = admin.request.get(live_server + path, max_redirects=0)
        files.append(tmp_path / f"page{number}.html")
        files[-1].write_bytes(response.body())
    admin.close()
    result = subprocess.run(["java", "-jar", str(VNU), "--format", "json", *map(str, files)],
                            capture_output=True, text=True, timeout=120)
    messages = json.loads(result.stderr or "{}").get("messages", [])
    assert [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages] == []
