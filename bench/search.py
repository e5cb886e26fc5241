"""Search, related and most-read latency on a generated database (`flask --app app generate`).

Usage: DATABASE_URL=... .venv/bin/python bench/search.py [runs]. For each named query it prints how many
published articles match and the p50/p99 of a first results page (the query the search page runs,
snippets included); then related articles for random articles and the week's most read. Times are
wall clock in milliseconds on a warm cache; on a machine shared with other work, p99 shows that too.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from models import Article, db  # noqa: E402
from services import search  # noqa: E402

# The generator plants these words at known rates (generate.PLANTED).
QUERIES = {
    "a rare word (zeppelin)": "zeppelin",
    "a word in ~10% (harbour)": "harbour",
    "a word in ~80% (council)": "council",
    "two words, the last a prefix (budget hosp)": "budget hosp",
    "a word in ~10%, page 10 (harbour)": ("harbour", 10),
}


def timed(call, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU milliseconds of each of `runs` calls, after one warm-up call.

    SQLite runs inside this process, so its CPU time is the cost itself when other work shares the
    machine; PostgreSQL works in its own processes, so only wall clock counts there.
    """
    call()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def p99(times: list[float]) -> float:
    """The 99th percentile (nearest rank)."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def percentiles(measured: tuple[list[float], list[float]]) -> str:
    """p50 and p99 of wall-clock and CPU milliseconds."""
    wall, cpu = measured
    return (f"wall p50 {statistics.median(wall):6.1f} p99 {p99(wall):6.1f} ms   "
            f"cpu p50 {statistics.median(cpu):6.1f} p99 {p99(cpu):6.1f} ms")


def matches(words: list[str]) -> int:
    """How many published articles match every word (counted page by page would be too slow: all at once)."""
    total, page = 0, 1
    while page <= search.MAX_PAGES:
        results = search.search(search.Terms(" ".join(words), words), page)
        total += len(results.hits)
        if not results.has_next:
            return total
        page += 1
    return -1  # more than MAX_PAGES pages


def main(runs: int) -> None:
    """Print the measurements."""
    app = create_app()
    with app.app_context():
        count = db.session.execute(select(func.count(Article.id)).where(Article.is_published())).scalar_one()
        print(f"{db.engine.dialect.name}: {count} published articles, {runs} runs each, "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
        for name, query in QUERIES.items():
            text, page = query if isinstance(query, tuple) else (query, 1)
            terms = search.read_query(text)
            found = matches(terms.words)
            shown = f"{found}" if found >= 0 else f">{search.MAX_PAGES * app.config['SEARCH_RESULTS_PER_PAGE']}"
            total = count_all(terms.words)
            times = timed(lambda terms=terms, page=page: search.search(terms, page), runs)
            print(f"{name:48} {total:>7} match ({shown:>5} shown)  {percentiles(times)}")
        ids = list(db.session.execute(select(Article.id).where(Article.is_published())).scalars())
        sample = [db.session.get(Article, key) for key in random.Random(1).sample(ids, min(runs, len(ids)))]
        for article in sample:
            article.tags  # noqa: B018 - loaded beforehand: the page loads them in its own query
        cycle = iter(sample * 2)
        print(f"{'related articles (random articles)':48} {'':>22}  {percentiles(timed(lambda: next(cycle).related(), runs))}")
        print(f"{'most read of the week':48} {'':>22}  {percentiles(timed(Article.most_read, runs))}")


def count_all(words: list[str]) -> int:
    """Every published match, counted by the engine (for the report, not the page)."""
    if db.engine.dialect.name == "postgresql":
        vector = db.literal_column("articles.search_vector")
        query = select(func.count(Article.id)).where(
            vector.op("@@")(func.to_tsquery("english", search.tsquery_text(words))), Article.is_published())
    else:
        query = select(func.count()).select_from(search.Fts5Index.table).join(
            Article, Article.id == search.Fts5Index.table.c.rowid).where(
            db.text("search_index MATCH :match").bindparams(match=search.fts5_query(words)), Article.is_published())
    return db.session.execute(query).scalar_one()


if __name__ == "__main__":
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to a generated database (flask --app app generate --articles 100000).")
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
