"""Fill a database with made-up articles and comments for measuring: realistic lengths and skews, bulk inserts.

Words follow a Zipf curve over a made-up vocabulary, so most are rare and a few are everywhere; a few named
words are planted at known rates, so measurements can name a rare word, a word in about one article in
ten and a word in most articles. Tags come from a few hundred with a long tail; comments gather on a few
articles. Rows go in by executemany in batches, the search index with them, one transaction per batch.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import escape
from sqlalchemy import func, insert, select

from content.text import excerpt, now_utc, slugify
from models import Article, ArticleStatus, Category, Comment, CommentStatus, Tag, article_tags, changed_in_bulk, db
from services import search

BATCH = 1000
SYLLABLES = ["ba", "ri", "lo", "ten", "mar", "ko", "sel", "vi", "dun", "pra", "ge", "tho", "ran", "mi", "cus",
             "le", "fa", "nor", "sa", "wil", "tre", "po", "hal", "den", "qu", "is", "or", "man", "ce", "ly"]
CATEGORIES = ["Politics", "Business", "Local", "Health", "Science", "Sport", "Culture", "Weather"]
# Named words at known rates (share of articles whose body carries them), for the measured queries.
PLANTED = {"council": 0.8, "harbour": 0.1, "budget": 0.1, "hospital": 0.05, "zeppelin": 0.0002}


@dataclass
class Vocabulary:
    """Made-up words with Zipf weights, and tag names with a long tail."""

    words: list[str]
    word_weights: list[float]  # cumulative, so each draw is a bisection, not a sum
    tags: list[str]
    tag_weights: list[float]  # cumulative too


def make_vocabulary(rng: random.Random, size: int = 6000, tag_count: int = 300) -> Vocabulary:
    """A deterministic vocabulary: syllable words weighted 1/rank, tags weighted 1/rank**1.1."""
    words: list[str] = []
    for length in (2, 3, 4):
        for parts in itertools.product(SYLLABLES, repeat=length):
            words.append("".join(parts))
            if len(words) >= size * length // 3:
                break
    rng.shuffle(words)
    words = [word for word in dict.fromkeys(words) if word not in PLANTED][:size]
    tags = [f"{words[-1 - n]} {words[-1 - n - tag_count]}" if n % 5 == 0 else words[-1 - n] for n in range(tag_count)]
    return Vocabulary(words, list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1))),
                      tags, list(itertools.accumulate(1 / rank ** 1.1 for rank in range(1, tag_count + 1))))


def sentence(rng: random.Random, vocabulary: Vocabulary, length: int) -> str:
    """A capitalised sentence of Zipf-distributed words."""
    words = rng.choices(vocabulary.words, cum_weights=vocabulary.word_weights, k=length)
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, vocabulary: Vocabulary) -> str:
    """A paragraph of three to seven sentences."""
    return " ".join(sentence(rng, vocabulary, rng.randint(8, 22)) for _ in range(rng.randint(3, 7)))


def make_body(rng: random.Random, vocabulary: Vocabulary) -> tuple[str, str, str, str]:
    """(Markdown, HTML, paragraphs' text, all its text) of a body with subheadings, paragraphs and sometimes a list.

    The paragraphs make the excerpt; all the text (headings and list items too) is what the search indexes.
    """
    source, html, plain, words = [], [], [], []
    for section in range(rng.randint(1, 4)):
        if section:
            heading = sentence(rng, vocabulary, rng.randint(2, 5)).rstrip(".")
            source.append(f"## {heading}")
            html.append(f"<h2>{escape(heading)}</h2>")
            words.append(heading)
        for _ in range(rng.randint(2, 4)):
            text = paragraph(rng, vocabulary)
            source.append(text)
            html.append(f"<p>{escape(text)}</p>")
            plain.append(text)
            words.append(text)
        if rng.random() < 0.3:
            items = [sentence(rng, vocabulary, rng.randint(3, 8)) for _ in range(rng.randint(3, 6))]
            source.append("\n".join(f"- {item}" for item in items))
            html.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
            words += items
    planted = [word for word, share in PLANTED.items() if rng.random() < share]
    if planted:
        text = f"The {' and the '.join(planted)} came up again."
        source.append(text)
        html.append(f"<p>{text}</p>")
        plain.append(text)
        words.append(text)
    return "\n\n".join(source), "\n".join(html), " ".join(plain), " ".join(words)


def ensure_labels(vocabulary: Vocabulary) -> tuple[list[int], list[int]]:
    """The ids of the generator's categories and tags, created where missing."""
    categories = [Category.get_or_create(name) for name in CATEGORIES]
    tags = Tag.get_or_create_all(vocabulary.tags)
    db.session.commit()
    by_name = {tag.name: tag.id for tag in tags}
    return [category.id for category in categories], [by_name[name] for name in vocabulary.tags]


def article_rows(rng: random.Random, vocabulary: Vocabulary, first_id: int, count: int, category_ids: list[int],
                 tag_ids: list[int], now: datetime) -> tuple[list[dict], list[dict], list[search.Document]]:
    """One batch of article rows, their tag links and their search documents."""
    articles, links, documents = [], [], []
    for key in range(first_id, first_id + count):
        title = sentence(rng, vocabulary, rng.randint(4, 11)).rstrip(".")
        summary = sentence(rng, vocabulary, rng.randint(10, 25)) if rng.random() < 0.8 else ""
        source, html, plain, words = make_body(rng, vocabulary)
        when = now - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
        status = ArticleStatus.DRAFT if rng.random() < 0.03 else ArticleStatus.PUBLISHED
        # Reads: a long tail, more for articles still fresh.
        reads = int(rng.paretovariate(1.2) * (50 if now - when < timedelta(days=7) else 10))
        articles.append({"id": key, "slug": f"{slugify(title)[:180]}-{key}", "title": title, "summary": summary,
                         "excerpt": excerpt(plain), "body_source": source, "body_html": html,
                         "category_id": rng.choice(category_ids), "status": status, "created_at": when,
                         "published_at": when if status == ArticleStatus.PUBLISHED else None,
                         "updated_at": when, "reads": reads})
        chosen = set(rng.choices(range(len(tag_ids)), cum_weights=vocabulary.tag_weights, k=rng.randint(2, 6)))
        listed = when if status == ArticleStatus.PUBLISHED else None
        links += [{"article_id": key, "tag_id": tag_ids[index], "listed_at": listed} for index in chosen]
        names = " ".join(sorted(vocabulary.tags[index] for index in chosen))
        documents.append(search.Document(key, title, summary, words, names))
    return articles, links, documents


def generate(articles: int, comments: int, seed: int = 1,
             progress: Callable[[int], None] = lambda done: None) -> None:
    """Insert `articles` made-up articles and `comments` comments spread unevenly over them."""
    rng = random.Random(seed)
    vocabulary = make_vocabulary(rng)
    category_ids, tag_ids = ensure_labels(vocabulary)
    first = (db.session.execute(select(func.max(Article.id))).scalar() or 0) + 1
    now = now_utc()
    for start in range(0, articles, BATCH):
        count = min(BATCH, articles - start)
        rows, links, documents = article_rows(rng, vocabulary, first + start, count, category_ids, tag_ids, now)
        db.session.execute(insert(Article.__table__), rows)
        db.session.execute(insert(article_tags), links)
        search.store_documents(documents)
        changed_in_bulk(db.session, [Article.__tablename__, article_tags.name])
        db.session.commit()
        progress(count)
    add_comments(rng, vocabulary, list(range(first, first + articles)), comments, now, progress)


def add_comments(rng: random.Random, vocabulary: Vocabulary, article_ids: list[int], count: int, now: datetime,
                 progress: Callable[[int], None]) -> None:
    """Comments gathered on few articles (Pareto weights), most visible, some pending or hidden."""
    if not article_ids:
        return
    weights = list(itertools.accumulate(rng.paretovariate(1.5) for _ in article_ids))
    statuses = [CommentStatus.VISIBLE] * 8 + [CommentStatus.PENDING, CommentStatus.HIDDEN]
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        rows = [{"article_id": article_id, "author_name": f"Reader {rng.randint(1, 5000)}",
                 "body_html": f"<p>{escape(sentence(rng, vocabulary, rng.randint(5, 40)))}</p>",
                 "status": rng.choice(statuses), "created_at": now - timedelta(minutes=rng.randint(0, 10_000))}
                for article_id in rng.choices(article_ids, cum_weights=weights, k=size)]
        db.session.execute(insert(Comment.__table__), rows)
        changed_in_bulk(db.session, [Comment.__tablename__])
        db.session.commit()
        progress(size)
