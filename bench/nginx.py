"""Throughput through nginx on the shipped site (deploy/nginx/ledger.conf), as a share of nginx sending the same
bytes as static files from disk, in one run.

Usage: .venv/bin/python bench/nginx.py [--seconds N] [--articles N] [--reads N] [--output FILE]. Needs wrk and
nginx (apt-get install wrk nginx-light). The site as bench/run.py prepares it (the demo and N articles, on
SQLite), served by two gunicorns of bench/servers.py's settings; one nginx on the shipped site made a loopback
one by tests/nginx.py's substitution, with its static folder holding every measured page's bytes as a file. Each
target (home, an article spread over N) takes turns with the same pages as files from that nginx, and its
ratio is to them. Then N reads are counted through nginx, one request each, and the database must hold them all.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from run import (
    BROWSER_AGENT,
    PATHS_SCRIPT,
    Visitor,
    article_paths,
    in_turns,
    prepare_instance,
    run_wrk,
    table,
    turns_for,
    warn_of_instance_config,
)
from servers import ROOT, serving

from tests.nginx import NGINX, Loopback, free_port, running_nginx

# Where the pages' bytes are saved, under the static folder nginx serves from disk.
SAVED = "saved"


def save_pages(site: str, static: Path, paths: list[str]) -> list[str]:
    """Each page's bytes as a reader gets them, as a file under static/saved/; the files' addresses."""
    (static / SAVED).mkdir(parents=True, exist_ok=True)
    addresses = []
    for path in paths:
        name = (path.strip("/").replace("/", "-") or "home") + ".html"
        (static / SAVED / name).write_text(Visitor(site).get(path))
        addresses.append(f"/static/{SAVED}/{name}")
    return addresses


def static_folder(folder: Path) -> Path:
    """A copy of the site's static/ for nginx to serve, where the saved pages go beside the site's own files."""
    shutil.copytree(ROOT / "static", folder / "static")
    return folder / "static"


def spread(folder: Path, name: str, paths: list[str]) -> dict[str, str]:
    """wrk's environment to cycle through these paths (bench/run.py's script)."""
    (folder / f"{name}.txt").write_text("\n".join(paths) + "\n")
    (folder / "paths.lua").write_text(PATHS_SCRIPT)
    return {"BENCH_PATHS": str(folder / f"{name}.txt")}


def warm(base: str, paths: list[str]) -> None:
    """Ask for every page a few times at once, so nginx's cache holds each before anything is measured."""
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda path: Visitor(base).get(path), paths * 3))


def targets(base: str, folder: Path, static: Path, articles: int) -> dict[str, tuple]:
    """{row: (the target through nginx's cache, the same bytes as files)}, each a function of (seconds, warm)."""
    script = str(folder / "paths.lua")
    pages = article_paths(articles)
    files = {"home": save_pages(base, static, ["/"]), "articles": save_pages(base, static, pages)}
    warm(base, ["/", *pages])
    through, from_disk = spread(folder, "pages", pages), spread(folder, "files", files["articles"])
    return {
        "home": (lambda turn, warm: run_wrk(base + "/", turn, warm=warm),
                 lambda turn, warm: run_wrk(base + files["home"][0], turn, warm=warm)),
        f"article ({articles})": (lambda turn, warm: run_wrk(base, turn, script, through, warm=warm),
                                  lambda turn, warm: run_wrk(base, turn, script, from_disk, warm=warm)),
    }


def count_reads(base: str, folder: Path, environment: dict, articles: int, reads: int) -> str:
    """Send `reads` counts through nginx, each from a new reader, and compare them with the database's total."""
    from app import create_app
    from models import Article, db
    from web.settings import read_environment

    app = create_app(read_environment(environment) | {"INSTANCE_PATH": str(folder)})  # as prepare_instance made it
    with app.app_context():
        ids = db.session.execute(db.select(Article.id).where(Article.slug.in_(
            [path.rsplit("/", 1)[1] for path in article_paths(articles)]))).scalars().all()
        before = db.session.execute(db.select(db.func.sum(Article.reads))).scalar() or 0
    with ThreadPoolExecutor(16) as pool:
        answered = sum(pool.map(lambda number: one_read(base, ids[number % len(ids)]), range(reads)))
    with app.app_context():
        after = db.session.execute(db.select(db.func.sum(Article.reads))).scalar() or 0
        db.engine.dispose()
    verdict = "exact" if after - before == answered == reads else "NOT EXACT"
    return f"reads through nginx: {reads} sent, {answered} answered 200, {after - before} counted ({verdict})"


def one_read(base: str, article_id: int) -> int:
    """One new reader's count (no reads cookie): 1 when answered 200."""
    import urllib.request

    request = urllib.request.Request(f"{base}/reads/{article_id}", headers={"User-Agent": BROWSER_AGENT})
    with urllib.request.urlopen(request) as response:
        return int(response.status == 200)


def measure(folder: Path, environment: dict, seconds: int, articles: int, reads: int) -> tuple[dict, str]:
    """Start two app servers and nginx in front; every row in turns with its files; the reads' line; stop all."""
    with contextlib.ExitStack() as servers:
        apps = [servers.enter_context(serving("app:create_app()", environment, folder / f"site-{n}.log"))
                for n in (1, 2)]
        static = static_folder(folder)
        to = Loopback(free_port(), free_port(), tuple(int(app.rsplit(":", 1)[1]) for app in apps),
                      folder / "cache", Path(environment["MEDIA_ROOT"]), static_parent=folder)
        base = servers.enter_context(running_nginx(to, folder / "nginx"))
        rows = {name: in_turns(target, files, seconds) for name, (target, files)
                in targets(base, folder, static, articles).items()}
        return rows, count_reads(base, folder, environment, articles, reads)


def header(seconds: int) -> str:
    """The line above the table: what was measured and against what."""
    return ("nginx (1 worker) on deploy/nginx/ledger.conf in front of 2 gunicorns of 2 sync workers, "
            f"wrk -t2 -c16 -d{seconds}s, a browser's User-Agent; the constant is the same nginx sending the same "
            f"pages' bytes as static files from disk; each target takes {turns_for(seconds)} turn(s) with it")


def main() -> None:
    """Prepare, serve the site behind nginx, measure each target with its files, count reads, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="seconds of wrk per target")
    parser.add_argument("--articles", type=int, default=200, help="articles the article page is spread over")
    parser.add_argument("--reads", type=int, default=2000, help="counts sent through nginx and checked")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results-nginx.txt"), help="where the table goes")
    arguments = parser.parse_args()
    if shutil.which("wrk") is None or not NGINX.exists():
        raise SystemExit(f"Error: wrk or {NGINX} is missing; install them with `apt-get install wrk nginx-light`")
    warn_of_instance_config()
    folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    try:
        environment = prepare_instance(folder, arguments.articles)
        rows, reads = measure(folder, environment, arguments.seconds, arguments.articles, arguments.reads)
    finally:
        shutil.rmtree(folder)
    report = header(arguments.seconds) + "\n" + table(rows) + "\n" + reads + "\n"
    print(report, end="")
    Path(arguments.output).write_text(report)


if __name__ == "__main__":
    sys.exit(main())
