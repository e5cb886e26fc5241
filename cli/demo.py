"""The demo newsroom: articles and comments read from demo/*.md, loaded once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from content.sanitize import sanitize_comment
from content.text import age_of, now_utc, slugify, split_tag_names
from models import Article, ArticleStatus, Category, Comment, CommentStatus, Role, Tag, User, db
from newsroom.accounts import create_account

DEMO_DIRECTORY = Path(__file__).resolve().parent.parent / "demo"
COMMENTS_MARKER = "---comments---"
# The demo newsroom's reporters: writers whose password nobody knows, there to sign the demo articles.
DEMO_PEOPLE = {
    "Morag Keane": "Covers Calderwick City Council and the money it spends. Before that, ten years on the courts beat.",
    "Tomasz Wiśniewski": "Transport and the city's streets, bridges and buses; rides every new route on its first day.",
    "Priya Raman": "Business, work and the valley's small firms. Reach her with tips about jobs and openings.",
}


@dataclass
class DemoArticle:
    """One demo file: its header fields, Markdown body and comments."""

    title: str
    category: str
    tags: list[str]
    summary: str
    authors: list[str]
    age: timedelta
    reads: int
    body: str
    comments: list[tuple[str, str]] = field(default_factory=list)


def parse_demo_file(text: str) -> DemoArticle:
    """Read 'Key: value' header lines, a blank line, the body, then optional comments."""
    header, _, rest = text.partition("\n\n")
    fields = dict(line.split(":", 1) for line in header.splitlines())
    fields = {key.strip().lower(): value.strip() for key, value in fields.items()}
    body, _, comment_block = rest.partition(COMMENTS_MARKER)
    comments = [tuple(part.strip() for part in line.split(":", 1)) for line in comment_block.splitlines() if ":" in line]
    return DemoArticle(
        title=fields["title"],
        category=fields["category"],
        tags=split_tag_names(fields.get("tags", "")),
        summary=fields.get("summary", ""),
        authors=[name.strip() for name in fields.get("authors", "").split(",") if name.strip()],
        age=parse_age(fields["age"]),
        reads=int(fields.get("reads", "0")),
        body=body.strip(),
        comments=comments,
    )


def parse_age(age: str) -> timedelta:
    """'3 hours', '2 weeks' as a timedelta."""
    count, unit = age.split()
    return age_of(int(count), unit)


def load_demo(directory: Path = DEMO_DIRECTORY) -> int | None:
    """Fill an empty site with the demo articles; None (nothing added) once the site has any article.

    A newsroom that deleted a demo article must not see it come back at the next `make run`.
    """
    if db.session.execute(select(Article.id).limit(1)).first() is not None:
        return None
    added = 0
    for path in sorted(directory.glob("*.md")):
        add_demo_article(parse_demo_file(path.read_text(encoding="utf-8")))
        added += 1
    db.session.commit()
    return added


def demo_person(display_name: str) -> User:
    """The demo reporter of this name, made (as a writer nobody can sign in as) the first time."""
    person = User.by_display_name(display_name)
    if person is None:
        person = create_account(slugify(display_name), secrets.token_urlsafe(32), Role.WRITER, display_name)
        person.bio = DEMO_PEOPLE.get(display_name, "")
        db.session.flush()
    return person


def add_demo_article(demo: DemoArticle) -> Article:
    """Stage one published demo article with its byline, tags and comments."""
    authors = [demo_person(name) for name in demo.authors]  # looked up before the new article can autoflush
    published_at = now_utc() - demo.age
    article = Article(
        slug=slugify(demo.title), title=demo.title, summary=demo.summary, status=ArticleStatus.PUBLISHED,
        category=Category.get_or_create(demo.category), tags=Tag.get_or_create_all(demo.tags),
        created_at=published_at, published_at=published_at, reads=demo.reads,
    )
    article.set_body(demo.body)
    article.set_authors(authors)
    for minutes, (name, text) in enumerate(demo.comments, start=1):
        when = min(published_at + timedelta(minutes=17 * minutes), now_utc())
        article.comments.append(
            Comment(author_name=name, body_html=sanitize_comment(text), status=CommentStatus.VISIBLE, created_at=when)
        )
    db.session.add(article)
    db.session.flush()
    return article
