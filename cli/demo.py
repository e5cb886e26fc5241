"""The demo newsroom: articles and comments read from demo/*.md, loaded when asked, removed without a trace.

Every row the demo adds is named in `demo_rows`, so `remove_demo` removes exactly those and nothing a
person made. A brand-new site is offered the demo once (`make run`); that is remembered in the
database, so a newsroom that removed it never sees it again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from content.sanitize import sanitize_comment
from content.text import age_of, now_utc, slugify, split_tag_names
from models import (
    Article,
    ArticleStatus,
    Authorship,
    Category,
    Comment,
    CommentStatus,
    DemoRow,
    Role,
    SiteFact,
    Tag,
    User,
    db,
)
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


# The kinds of row the demo adds, and their models.
DEMO_KINDS = {"article": Article, "person": User, "tag": Tag, "category": Category}


@dataclass
class Removed:
    """What `remove_demo` removed, and the demo reporters it kept because a person's article names them."""

    articles: int = 0
    comments: int = 0
    people: int = 0
    tags: int = 0
    categories: int = 0
    kept_people: list[str] = field(default_factory=list)


def site_has_articles() -> bool:
    """True once the site holds any article, the demo's or a person's."""
    return db.session.execute(select(Article.id).limit(1)).first() is not None


def load_demo(directory: Path = DEMO_DIRECTORY, first_run: bool = False) -> int | None:
    """Fill a site without articles with the demo; None (nothing added) if the site has any.

    `first_run` is `make run`'s way: only a brand-new site, and only once. The offer is remembered in
    the database, so a newsroom that deleted the demo stories never sees them again.
    """
    if first_run and SiteFact.get(SiteFact.DEMO_OFFERED):
        return None
    SiteFact.set(SiteFact.DEMO_OFFERED, now_utc().isoformat(timespec="seconds"))
    if site_has_articles():
        db.session.commit()
        return None
    before = {kind: ids_of(model) for kind, model in DEMO_KINDS.items()}
    paths = sorted(directory.glob("*.md"))
    for path in paths:
        add_demo_article(parse_demo_file(path.read_text(encoding="utf-8")))
    db.session.flush()
    for kind, model in DEMO_KINDS.items():  # what is new since `before` is the demo's
        db.session.add_all(DemoRow(kind=kind, row_id=row_id) for row_id in sorted(ids_of(model) - before[kind]))
    db.session.commit()
    return len(paths)


def decline_demo() -> None:
    """Remember that this site starts without the demo, so `make run` never loads it."""
    if not SiteFact.get(SiteFact.DEMO_OFFERED):
        SiteFact.set(SiteFact.DEMO_OFFERED, "declined " + now_utc().isoformat(timespec="seconds"))
        db.session.commit()


def ids_of(model) -> set[int]:
    """Every id in the model's table."""
    return set(db.session.execute(select(model.id)).scalars())


def demo_ids(kind: str) -> list[int]:
    """The ids of the rows of this kind the demo added."""
    return list(db.session.execute(select(DemoRow.row_id).where(DemoRow.kind == kind)).scalars())


def remove_demo() -> Removed | None:
    """Remove the demo's articles (with their comments), and its reporters, tags and categories once unused.

    None when the site holds nothing of the demo's. A demo reporter still named on an article the
    demo did not add is kept, and so is a tag or category a person's article uses.
    """
    if db.session.execute(select(DemoRow).limit(1)).first() is None:
        return None
    removed = Removed()
    articles = list(db.session.execute(select(Article).where(Article.id.in_(demo_ids("article")))).scalars())
    removed.comments = sum(len(article.comments) for article in articles)
    for article in articles:
        db.session.delete(article)
    db.session.flush()
    removed.articles = len(articles)
    for kind, count in (("tag", "tags"), ("category", "categories")):
        for label in db.session.execute(select(DEMO_KINDS[kind]).where(DEMO_KINDS[kind].id.in_(demo_ids(kind)))).scalars():
            if not label.article_count():
                db.session.delete(label)
                setattr(removed, count, getattr(removed, count) + 1)
    for person in db.session.execute(select(User).where(User.id.in_(demo_ids("person")))).scalars():
        named = db.session.execute(select(Authorship.article_id).where(Authorship.user_id == person.id).limit(1)).first()
        if named is None:
            db.session.delete(person)
            removed.people += 1
        else:
            removed.kept_people.append(person.display_name)
    db.session.execute(DemoRow.__table__.delete())
    db.session.commit()
    return removed


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
