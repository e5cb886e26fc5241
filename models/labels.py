"""Categories and tags, and the slugs they had before a rename or merge.

Both are labels: a name, a slug readers' addresses use, article counts, and former slugs whose old
links answer 301. `Label` holds what the two share; each adds only where it differs: a category has
a place in the menu and one per article, a tag many per article through `article_tags`.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import ForeignKey, Integer, String, case, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content.text import SLUG_MAX_LENGTH, TAG_NAME_MAX, normalize_tag_name, now_utc, slugify, tag_problem
from models.articles import Article, article_tags
from models.base import db
from models.changes import changed_in_bulk


class FormerSlug:
    """A slug a category or tag had before a rename or merge; its old links answer 301 to it now.

    One shape for both: `owner` is the model the slug belonged to, `owner_key` the column naming it.
    """

    owner: ClassVar[type[Label]]
    owner_key: ClassVar[str]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.old_slug}>"

    @classmethod
    def owner_column(cls):
        """The column that names the category or tag this slug now leads to."""
        return getattr(cls, cls.owner_key)

    @classmethod
    def target_of(cls, slug: str) -> str | None:
        """The current slug of the category or tag once known as `slug`, if any."""
        query = select(cls.owner.slug).join(cls, cls.owner_column() == cls.owner.id).where(cls.old_slug == slug)
        return db.session.execute(query).scalar_one_or_none()


class Label:
    """What categories and tags share: finding by slug or former slug, renaming, merging's redirects, counts."""

    former_slugs: ClassVar[type[FormerSlug]]
    NAME_MAX: ClassVar[int]
    SLUG_MAX: ClassVar[int]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug}>"

    @staticmethod
    def tidy_name(name: str) -> str:
        """A name as it is stored: spaces folded."""
        return " ".join(name.split())

    @classmethod
    def by_slug(cls, slug: str):
        """The one with this slug, if any."""
        return db.session.execute(select(cls).filter_by(slug=slug)).scalar_one_or_none()

    @classmethod
    def at_address(cls, slug: str):
        """What a reader's address with this slug shows: the one with this slug, if any."""
        return cls.by_slug(slug)

    @classmethod
    def former_target(cls, slug: str) -> str | None:
        """The slug now of the one once known as `slug`, if any."""
        return cls.former_slugs.target_of(slug)

    @classmethod
    def find(cls, name: str):
        """The one this name means: its slug now, or a slug it had before a rename or merge."""
        slug = slugify(name)
        former = cls.former_target(slug)
        return cls.by_slug(slug) or (cls.by_slug(former) if former else None)

    @classmethod
    def article_links(cls):
        """(label id column, article id column, the table that holds both): how articles carry this kind."""
        raise NotImplementedError

    @classmethod
    def counts_for(cls, ids: list[int]) -> dict[int, tuple[int, int]]:
        """{id: (published, unpublished)} article counts for these, in one query."""
        label_id, article_id, links = cls.article_links()
        live = case((Article.is_published(), 1), else_=0)
        query = select(label_id, func.sum(live), func.count())
        if links is not Article.__table__:
            query = query.select_from(links).join(Article, Article.id == article_id)
        counts = {key: (int(live), total - int(live))
                  for key, live, total in db.session.execute(query.where(label_id.in_(ids)).group_by(label_id))}
        return {key: counts.get(key, (0, 0)) for key in ids}

    def article_count(self) -> int:
        """How many articles, of any status, carry this one."""
        return sum(self.counts_for([self.id])[self.id])

    def rename(self, name: str) -> None:
        """Take a new name; the old address keeps answering, as a redirect to the new one."""
        self.name = self.tidy_name(name)
        self.move_slug(slugify(self.name))

    def move_slug(self, new_slug: str) -> None:
        """Take a new slug, keeping the old one as a redirect (and dropping another's redirect from the new one)."""
        if new_slug == self.slug:
            return
        model = self.former_slugs
        # The new slug now names this one: another's redirect from it would point readers away.
        db.session.execute(delete(model).where(model.old_slug == new_slug, model.owner_column() != self.id))
        changed_in_bulk(db.session, [model.__tablename__])
        if self.slug:
            self.redirects.append(model(old_slug=self.slug))
        self.redirects = [redirect for redirect in self.redirects if redirect.old_slug != new_slug]
        self.slug = new_slug

    def hand_over_redirects(self, target: Label) -> None:
        """Point this one's old slugs, and its slug now, at the target of a merge."""
        model = self.former_slugs
        owner_column = model.owner_column()
        db.session.execute(update(model).where(owner_column == self.id).values({owner_column: target.id}))
        changed_in_bulk(db.session, [model.__tablename__])
        db.session.expire(self, ["redirects"])
        db.session.add(model(old_slug=self.slug, **{model.owner_key: target.id}))
        db.session.expire(target, ["redirects"])


class Category(Label, db.Model):
    """A section of the site: every article is in one, and the header menu lists those in use."""

    __tablename__ = "categories"
    NAME_MAX = 80
    SLUG_MAX = 100

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    # The place in the header menu the editors chose; ties (new categories) go by name.
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)
    articles: Mapped[list[Article]] = relationship(back_populates="category")
    redirects: Mapped[list[CategoryRedirect]] = relationship(
        back_populates="category", cascade="all, delete-orphan", passive_deletes=True
    )

    @classmethod
    def name_problem(cls, name: str) -> str | None:
        """Why a tidied name cannot be a category's, or None."""
        if not slugify(name):
            return "Use at least one letter or digit in the name."
        if len(name) > cls.NAME_MAX:
            return f"A category can have at most {cls.NAME_MAX} characters."
        return None

    @classmethod
    def article_links(cls):
        """An article names its category in its own row."""
        return Article.category_id, Article.id, Article.__table__

    @classmethod
    def get_or_create(cls, name: str) -> Category:
        """The category this name means, created (not yet committed) if new."""
        name = cls.tidy_name(name)
        found = cls.find(name)
        if found is None:
            # A new category joins the end of the menu order the editors set.
            last = db.session.execute(select(func.max(cls.position))).scalar_one_or_none() or 0
            found = cls(name=name, slug=slugify(name), position=last + 1)
            db.session.add(found)
        return found

    @classmethod
    def all_by_name(cls) -> list[Category]:
        """Every category, alphabetically, for the editor's choices."""
        return list(db.session.execute(select(cls).order_by(func.lower(cls.name), cls.id)).scalars())

    @classmethod
    def in_menu_order(cls):
        """The order the header menu shows categories in: the editors' positions, then names."""
        return cls.position, func.lower(cls.name), cls.id

    @classmethod
    def in_use(cls) -> list[Category]:
        """The categories readers can see an article in, in the editors' menu order, for navigation.

        A draft's or a scheduled article's new category must not show before the article does.
        """
        published = select(Article.id).where(Article.category_id == cls.id, Article.is_published()).exists()
        return list(db.session.execute(select(cls).where(published).order_by(*cls.in_menu_order())).scalars())

    @classmethod
    def with_counts(cls) -> list[tuple[Category, int, int]]:
        """Every category in menu order with its published and unpublished (draft or scheduled) article counts."""
        categories = list(db.session.execute(select(cls).order_by(*cls.in_menu_order())).scalars())
        counts = cls.counts_for([category.id for category in categories])
        return [(category, *counts[category.id]) for category in categories]

    def merge_into(self, target: Category) -> None:
        """Move every article to `target` and delete this category; its addresses redirect to `target`."""
        db.session.execute(update(Article).where(Article.category_id == self.id).values(category_id=target.id))
        changed_in_bulk(db.session, [Article.__tablename__])
        self.hand_over_redirects(target)
        db.session.delete(self)

    @classmethod
    def move(cls, category: Category, step: int) -> None:
        """Move a category one place up (-1) or down (+1) in the menu, numbering every place afresh."""
        ordered = list(db.session.execute(select(cls).order_by(*cls.in_menu_order())).scalars())
        index = ordered.index(category)
        other = index + step
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, each in enumerate(ordered, start=1):
            each.position = position


class Tag(Label, db.Model):
    """A subject articles share; an article carries any number of them."""

    __tablename__ = "tags"
    NAME_MAX = TAG_NAME_MAX
    SLUG_MAX = SLUG_MAX_LENGTH  # slugify() never makes a longer one

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    articles: Mapped[list[Article]] = relationship(secondary=article_tags, back_populates="tags")
    redirects: Mapped[list[TagRedirect]] = relationship(
        back_populates="tag", cascade="all, delete-orphan", passive_deletes=True
    )

    tidy_name = staticmethod(normalize_tag_name)
    # Why a tidied name cannot be a tag's: the rule the importer and the article form apply too.
    name_problem = staticmethod(tag_problem)

    @classmethod
    def article_links(cls):
        """Articles carry tags through the link table."""
        return article_tags.c.tag_id, article_tags.c.article_id, article_tags

    @classmethod
    def get_or_create_all(cls, names: list[str]) -> list[Tag]:
        """Tags for normalized names (also found by a slug they had before), new ones added, not committed."""
        wanted = {slugify(name): name for name in names}
        found = {tag.slug: tag for tag in db.session.execute(select(cls).where(cls.slug.in_(wanted))).scalars()}
        former = select(TagRedirect.old_slug, cls).join(cls).where(TagRedirect.old_slug.in_(set(wanted) - set(found)))
        found.update({old: tag for old, tag in db.session.execute(former)})
        for slug, name in wanted.items():
            if slug not in found:
                found[slug] = cls(name=name, slug=slug)
                db.session.add(found[slug])
        return list({id(found[slug]): found[slug] for slug in wanted}.values())

    @classmethod
    def published_names(cls) -> list[str]:
        """The names of tags that published articles carry, for suggestions that prefer tags in use."""
        live = select(article_tags.c.tag_id).where(article_tags.c.listed_at <= now_utc())
        return list(db.session.execute(select(cls.name).where(cls.id.in_(live)).order_by(func.lower(cls.name))).scalars())

    @classmethod
    def delete_unused(cls) -> None:
        """Delete the tags no article carries any more (after an article was deleted or retagged)."""
        used = select(article_tags.c.tag_id)
        db.session.execute(delete(cls).where(cls.id.not_in(used)), execution_options={"synchronize_session": False})
        changed_in_bulk(db.session, [cls.__tablename__])

    @classmethod
    def for_admin(cls):
        """Every tag by name, for the newsroom's tag page to page through."""
        return select(cls).order_by(func.lower(cls.name), cls.id)

    def merge_into(self, target: Tag) -> None:
        """Move this tag's links to `target` and delete it; an article with both keeps one link, the earlier."""
        links = article_tags.c
        moved = list(db.session.execute(select(links.article_id).where(links.tag_id == self.id)).scalars())
        both = select(links.article_id).where(links.tag_id == target.id)
        for article_id, listed_at in db.session.execute(
                select(links.article_id, links.listed_at).where(links.tag_id == self.id, links.article_id.in_(both))):
            kept = db.session.execute(select(links.listed_at).where(
                links.tag_id == target.id, links.article_id == article_id)).scalar_one()
            earlier = min((t for t in (listed_at, kept) if t is not None), default=None)
            db.session.execute(update(article_tags).where(links.tag_id == target.id, links.article_id == article_id)
                               .values(listed_at=earlier))
        db.session.execute(delete(article_tags).where(links.tag_id == self.id, links.article_id.in_(both)))
        db.session.execute(update(article_tags).where(links.tag_id == self.id).values(tag_id=target.id))
        changed_in_bulk(db.session, [article_tags.name], retagged=moved)
        self.hand_over_redirects(target)
        db.session.expire(target, ["articles"])
        db.session.delete(self)

    @classmethod
    def with_published_counts(cls) -> list[tuple[Tag, int]]:
        """Every tag that has published articles, with how many, by name."""
        # The links' listed_at is set only while their article is published (see
        # models.articles.copy_listing_times): counting them reads one index, with no join to articles.
        counts = (
            select(article_tags.c.tag_id, func.count().label("count"))
            .where(article_tags.c.listed_at <= now_utc())
            .group_by(article_tags.c.tag_id)
            .subquery()
        )
        query = select(cls, counts.c.count).join(counts, counts.c.tag_id == cls.id).order_by(func.lower(cls.name))
        return [(tag, n) for tag, n in db.session.execute(query)]


class CategoryRedirect(FormerSlug, db.Model):
    """A former slug of a category."""

    __tablename__ = "category_redirects"
    owner_key = "category_id"

    old_slug: Mapped[str] = mapped_column(String(Category.SLUG_MAX), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    category: Mapped[Category] = relationship(back_populates="redirects")


class TagRedirect(FormerSlug, db.Model):
    """A former slug of a tag."""

    __tablename__ = "tag_redirects"
    owner_key = "tag_id"

    old_slug: Mapped[str] = mapped_column(String(Tag.SLUG_MAX), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    tag: Mapped[Tag] = relationship(back_populates="redirects")


# Each label and the model of its former slugs, known to both.
Category.former_slugs, CategoryRedirect.owner = CategoryRedirect, Category
Tag.former_slugs, TagRedirect.owner = TagRedirect, Tag
