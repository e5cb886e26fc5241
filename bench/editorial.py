"""How long the editorial checks take on long bodies: a 30,000-word article and 250,000-character pastes.

Usage: .venv/bin/python bench/editorial.py [runs]. Prints the best of several runs for each body, in
wall-clock and processor seconds; the checks run on every preview and the tag suggestions while an
editor types, so a long article must stay under a second.
"""

from __future__ import annotations

import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cli.demo import DEMO_DIRECTORY, parse_demo_file  # noqa: E402
from editorial import editorial_warnings, suggest_tags  # noqa: E402
from editorial.reading import read_body  # noqa: E402
from editorial.words import lemma  # noqa: E402

WORDS = 30_000
PASTE_CHARACTERS = 250_000


def long_article(words: int = WORDS) -> str:
    """Demo bodies, their numbers changed in each round so that rounds are not word for word, to words words."""
    bodies = [parse_demo_file(path.read_text(encoding="utf-8")).body for path in sorted(DEMO_DIRECTORY.glob("*.md"))]
    rng = random.Random(30_000)
    rounds: list[str] = []
    while sum(len(body.split()) for body in rounds) < words:
        for body in bodies:
            rounds.append(re.sub(r"\d+", lambda match: str(rng.randrange(1, 10 ** len(match.group()))), body))
    article = "\n\n".join(rounds)
    return " ".join(article.split(" ")[:words])


def pastes() -> dict[str, str]:
    """Bodies of PASTE_CHARACTERS made of one line repeated, as a careless paste makes them."""
    lines = {
        "one sentence, one paragraph": "The council met again on Tuesday to discuss the Riverside Bridge. ",
        "one line, as many paragraphs": "The council met again on Tuesday to discuss the Riverside Bridge.\n\n",
        "one dated list item": "- June 4, 2025: Mayor Jane Smith opened the Hollin Bridge.\n",
        "one unclosed link": "[a](",
    }
    return {name: (line * (PASTE_CHARACTERS // len(line) + 1))[:PASTE_CHARACTERS] for name, line in lines.items()}


def best_times(body: str, runs: int) -> tuple[float, float, int]:
    """Return the best wall-clock and processor time of runs of every check and the tag suggestions, and the warnings."""
    best_wall, best_cpu, count = float("inf"), float("inf"), 0
    for _ in range(runs):
        read_body.cache_clear()  # each run reads the body afresh, as a new request does
        wall, cpu = time.perf_counter(), time.process_time()
        count = len(editorial_warnings("Title", "Summary", body))
        suggest_tags(body, ["Riverside Bridge", "Hollin Bridge"])
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu, count


def main() -> None:
    """Print the timings: processor time is what the checks cost; wall-clock time grows on a busy machine."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    started = time.perf_counter()
    lemma("opened")  # simplemma reads its English dictionary once per process, on first use
    print(f"{time.perf_counter() - started:6.3f}s once per process: loading the dictionary of word forms")
    article = long_article()
    bodies = {f"{WORDS:,}-word article ({len(article):,} characters)": article} | pastes()
    print("  wall     cpu  warnings  body")
    for name, body in bodies.items():
        wall, cpu, count = best_times(body, runs)
        print(f"{wall:6.3f}s {cpu:6.3f}s  {count:8d}  {name}")


if __name__ == "__main__":
    main()
