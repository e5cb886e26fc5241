"""Throughput of the site's requests as a share of a bare Flask app on its own gunicorn, in one run.

Usage: .venv/bin/python bench/run.py [--seconds N] [--articles N] [--output FILE]. Needs wrk
(apt-get install wrk). Three gunicorns with the same settings (two sync workers each, bench/servers.py):
the site (`app:create_app()`, configured through its environment), the constant (a bare Flask app)
and the limit (a raw WSGI callable sending one article page's bytes). wrk runs 2 threads and 16
connections with a browser's User-Agent, so every view is a reader's. Each target takes turns with
the constant, and its ratio is to the constant measured in those turns.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from servers import ROOT, serving

sys.path.insert(0, str(ROOT))

BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
EDITOR_PASSWORD = "a long enough benchmark passphrase"
# Each target and the constant take turns this many times (with --seconds at least twice this).
TURNS = 3
# Each target first runs this long unrecorded: every worker has then rendered what it keeps.
WARM_UP_SECONDS = 3
# The row of the raw WSGI server sending an article page's bytes: what no view on these servers can beat.
LIMIT_ROW = "raw WSGI, article bytes (the limit)"
# wrk cycles through a list of paths (an article spread over many), or sends the comment POST.
PATHS_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local count = 0
request = function()
  count = count + 1
  return wrk.format(nil, paths[(count % #paths) + 1])
end
"""
COMMENT_SCRIPT = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local count = 0
request = function()
  count = count + 1
  local body = os.getenv("BENCH_FORM") .. "&body=Benchmark+comment+" .. id .. "-" .. count
  return wrk.format("POST", os.getenv("BENCH_POST"), {
    ["Content-Type"] = "application/x-www-form-urlencoded", ["Sec-Fetch-Site"] = "same-origin"}, body)
end
"""


def make_articles(count: int) -> None:
    """Publish `count` articles over the demo's categories, each with a tag, for the spread of article pages."""
    from content.text import now_utc
    from models import Article, Category, Tag, db

    categories = list(db.session.execute(db.select(Category)).scalars())
    for number in range(count):
        article = Article(title=f"Benchmark story {number}", slug=f"benchmark-story-{number}", status="published",
                          category=categories[number % len(categories)], published_at=now_utc() - timedelta(
                              hours=number + 1), tags=Tag.get_or_create_all([f"bench {number % 10}"]))
        article.set_body(f"Paragraph one of story {number}.\n\n## Details\n\n" + "A line of news. " * 60)
        db.session.add(article)
    db.session.commit()


def site_environment(folder: Path) -> dict[str, str]:
    """The settings the served site reads from its environment: the benchmark's database and media, no comment limits."""
    return {"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{folder}/news.sqlite3", "MEDIA_ROOT": str(folder / "media"),
            "COMMENT_RATE_LIMIT": "", "COMMENT_MIN_SECONDS": "0", "COMMENT_MODERATION": "none"}


def prepare_instance(folder: Path, articles: int) -> dict[str, str]:
    """A migrated database with the demo content, `articles` more, and an editor; the environment to serve it."""
    from app import create_app
    from newsroom.accounts import create_admin
    from web.settings import read_environment

    environment = site_environment(folder)
    # Read as the served site reads them, so both see the same database and settings.
    app = create_app(read_environment(environment) | {"INSTANCE_PATH": str(folder)})
    runner = app.test_cli_runner()
    for command in ("init-db", "demo"):
        assert runner.invoke(args=[command]).exit_code == 0
    with app.app_context():
        make_articles(articles)
        create_admin("bench-editor", EDITOR_PASSWORD)
    return environment


class Visitor:
    """A cookie-keeping HTTP client, to sign in and fetch tokens before wrk takes over."""

    def __init__(self, base: str):
        self.base, self.jar = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        """GET a page's text."""
        request = urllib.request.Request(self.base + path, headers={"User-Agent": BROWSER_AGENT})
        return self.opener.open(request).read().decode()

    def post(self, path: str, fields: dict) -> None:
        """POST a form."""
        data = urllib.parse.urlencode(fields).encode()
        self.opener.open(urllib.request.Request(self.base + path, data=data, headers={"User-Agent": BROWSER_AGENT}))

    def cookie_header(self) -> str:
        """The Cookie header this visitor sends."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)


def editor_cookie(base: str) -> str:
    """A signed-in editor's session cookie."""
    editor = Visitor(base)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', editor.get("/admin/login"))[1]
    editor.post("/admin/login", {"csrf_token": token, "username": "bench-editor", "password": EDITOR_PASSWORD})
    return editor.cookie_header()


def comment_form(base: str) -> str:
    """A reader's comment form as the shared article page draws it: no token, the page's stamp, a name."""
    html = Visitor(base).get(article_paths(1)[0])
    issued = re.search(r'name="issued" type="hidden" value="([^"]+)"', html)[1]
    return urllib.parse.urlencode({"issued": issued, "name": "Bench"})


def run_wrk(url: str, seconds: int, script: str | None = None, env: dict | None = None,
            headers: tuple[str, ...] = (), warm: bool = True) -> dict:
    """wrk's rate and latency percentiles for one target, after a short unrecorded run that warms both workers."""
    if warm and WARM_UP_SECONDS and seconds > 1:
        wrk(url, WARM_UP_SECONDS, script, env, headers)
    output = wrk(url, seconds, script, env, headers)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    return {"rate": rate, "p50": latency(output, "50%"), "p99": latency(output, "99%"),
            "errors": "Non-2xx or 3xx" in output or "Socket errors" in output}


def wrk(url: str, seconds: int, script: str | None, env: dict | None, headers: tuple[str, ...]) -> str:
    """wrk's report (2 threads, 16 connections, a browser's User-Agent)."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-H", f"User-Agent: {BROWSER_AGENT}"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    return subprocess.run(command + [url], capture_output=True, text=True, env=os.environ | (env or {})).stdout


def latency(output: str, percentile: str) -> float:
    """A latency percentile from wrk's --latency table, in milliseconds."""
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)\b", output).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def article_paths(articles: int) -> list[str]:
    """The benchmark's article pages."""
    return [f"/articles/benchmark-story-{number}" for number in range(articles)]


def write_scripts(base: str, folder: Path, articles: int) -> None:
    """wrk's scripts, and the lists of paths it spreads requests over: article pages, their counts, their /me."""
    paths = article_paths(articles)
    reads = [re.search(r'data-count-url="(/reads/\d+)"', Visitor(base).get(path))[1] for path in paths]
    (folder / "articles.txt").write_text("\n".join(paths) + "\n")
    (folder / "reads.txt").write_text("\n".join(reads) + "\n")
    (folder / "me.txt").write_text("\n".join(read.replace("/reads/", "/me?article=") for read in reads) + "\n")
    (folder / "paths.lua").write_text(PATHS_SCRIPT)
    (folder / "comment.lua").write_text(COMMENT_SCRIPT)


def warm_site(base: str, articles: int) -> None:
    """Fetch every article page many times at once: concurrent requests keep both workers busy, so both render each."""
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda path: Visitor(base).get(path), article_paths(articles) * 8))


def site_targets(base: str, folder: Path, articles: int) -> dict:
    """The site's rows of the table, each a function of (seconds, warm) giving wrk's figures."""
    write_scripts(base, folder, articles)
    warm_site(base, articles)
    category = re.search(r'href="(/categories/[^"]+)"', Visitor(base).get("/"))[1]
    editor = (f"Cookie: {editor_cookie(base)}",)
    spread, comment = str(folder / "paths.lua"), str(folder / "comment.lua")
    lists = {name: {"BENCH_PATHS": str(folder / f"{name}.txt")} for name in ("articles", "reads", "me")}
    posting = {"BENCH_FORM": comment_form(base), "BENCH_POST": f"{article_paths(1)[0]}/comments"}
    targets = {}
    for who, headers in (("", ()), (", signed in", editor)):
        targets |= {
            f"home{who}": lambda turn, warm, headers=headers: run_wrk(base + "/", turn, headers=headers, warm=warm),
            f"article ({articles}){who}": lambda turn, warm, headers=headers: run_wrk(
                base, turn, spread, lists["articles"], headers, warm=warm),
            f"tag{who}": lambda turn, warm, headers=headers: run_wrk(base + "/tags/bench-1", turn, headers=headers,
                                                                      warm=warm),
            f"category{who}": lambda turn, warm, headers=headers: run_wrk(base + category, turn, headers=headers,
                                                                           warm=warm)}
    return targets | {
        "read count": lambda turn, warm: run_wrk(base, turn, spread, lists["reads"], warm=warm),
        "/me, signed in": lambda turn, warm: run_wrk(base, turn, spread, lists["me"], editor, warm=warm),
        "comment POST": lambda turn, warm: run_wrk(base, turn, comment, posting, warm=warm)}


def save_article_page(base: str, folder: Path) -> dict[str, str]:
    """One article page's body and Content-Type as a reader gets them, saved for the raw WSGI server to send."""
    request = urllib.request.Request(base + article_paths(1)[0], headers={"User-Agent": BROWSER_AGENT})
    with urllib.request.urlopen(request) as response:
        body, kind = response.read(), response.headers["Content-Type"]
    (folder / "article.html").write_bytes(body)
    return {"BENCH_PAGE": str(folder / "article.html"), "BENCH_PAGE_TYPE": kind}


def serve_and_measure(folder: Path, environment: dict, seconds: int, articles: int) -> dict[str, dict]:
    """Start the site, the constant and the limit; measure each target in turns with the constant; stop all three."""
    with contextlib.ExitStack() as servers:
        site = servers.enter_context(serving("app:create_app()", environment, folder / "site.log"))
        page = save_article_page(site, folder)
        constant = servers.enter_context(serving("baselines:bare_flask()", {}, folder / "constant.log"))
        limit = servers.enter_context(serving("baselines:raw_page()", page, folder / "limit.log"))
        targets = site_targets(site, folder, articles)
        targets[LIMIT_ROW] = lambda turn, warm: run_wrk(limit + "/", turn, warm=warm)

        def constant_turn(turn: int, warm: bool) -> dict:
            """The bare Flask app's rate, measured in turns with each target."""
            return run_wrk(constant + "/", turn, warm=warm)

        return {name: in_turns(target, constant_turn, seconds) for name, target in targets.items()}


def turns_for(seconds: int) -> int:
    """TURNS turns, or one when the run is too short to split."""
    return TURNS if seconds >= 2 * TURNS else 1


def in_turns(target, constant, seconds: int) -> dict:
    """A target and the constant measured in turns, so a machine whose load comes and goes moves both alike.

    The rates are averaged over the turns, p50 is the median turn's and p99 the worst turn's.
    """
    rounds = turns_for(seconds)
    turn = seconds // rounds
    constants, measured = [], []
    for number in range(rounds):
        constants.append(constant(turn, number == 0))
        measured.append(target(turn, number == 0))
    return {"rate": statistics.mean(m["rate"] for m in measured), "p50": statistics.median(m["p50"] for m in measured),
            "p99": max(m["p99"] for m in measured), "errors": any(m["errors"] for m in measured),
            "constant": statistics.mean(c["rate"] for c in constants)}


def table(results: dict[str, dict]) -> str:
    """One table: req/s, p50, p99, the constant measured in turns with the target, and the ratio to it."""
    width = max(16, *(len(name) for name in results))
    lines = [f"{'target':{width}} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'constant':>9} {'ratio':>7}"]
    for name, result in results.items():
        flag = "  (errors)" if result["errors"] else ""
        lines.append(f"{name:{width}} {result['rate']:8.0f} {result['p50']:8.2f} {result['p99']:8.2f} "
                     f"{result['constant']:9.0f} {result['rate'] / result['constant']:7.2f}{flag}")
    return "\n".join(lines)


def header(seconds: int) -> str:
    """The line above the table: the servers, the load, the machine and what the ratio is to."""
    return (f"3 gunicorns of 2 sync workers (the site, the constant, the limit), wrk -t2 -c16 -d{seconds}s, "
            f"a browser's User-Agent; {os.cpu_count()} CPUs; the constant is a separate bare Flask app on the same "
            f"gunicorn settings; each target takes {turns_for(seconds)} turn(s) with it, its ratio is to those")


def warn_of_instance_config() -> None:
    """Say so when instance/config.py exists: the served site reads it too, though the environment's settings win."""
    if (ROOT / "instance" / "config.py").exists():
        print("Note: the site also reads instance/config.py; the benchmark's environment overrides only "
              f"{', '.join(site_environment(Path()))}", file=sys.stderr)


def main() -> None:
    """Prepare, serve the site and both baselines with gunicorn, measure each target, print the table and save it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="seconds of wrk per target")
    parser.add_argument("--articles", type=int, default=200, help="articles the article page is spread over")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.txt"), help="where the table is written")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("Error: wrk is missing; install it with `apt-get install wrk`")
    warn_of_instance_config()
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        environment = prepare_instance(folder, arguments.articles)
        results = serve_and_measure(folder, environment, arguments.seconds, arguments.articles)
    finally:
        shutil.rmtree(folder)
    report = header(arguments.seconds) + "\n" + table(results) + "\n"
    print(report, end="")
    Path(arguments.output).parent.mkdir(parents=True, exist_ok=True)
    Path(arguments.output).write_text(report)


if __name__ == "__main__":
    main()
