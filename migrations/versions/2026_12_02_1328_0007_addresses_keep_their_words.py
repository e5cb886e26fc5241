"""Addresses keep their words: slugs recomputed, category and tag redirects, menu order

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:10:00.000000

The slug rules are copied here, frozen, on purpose: this migration must keep doing what it did
when the application's own slugify changes again.
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SLUG_MAX_LENGTH = 80
LATIN_ASCII = {"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ħ": "h", "ı": "i",
               "ŧ": "t", "ƀ": "b", "ß": "ss"}


def old_slugify(text):
    """The rule slugs were made by before this revision: every mark dropped, in every script."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    slug = "-".join(re.findall(r"[^\W_]+", unicodedata.normalize("NFC", without_marks)))
    if len(slug) > SLUG_MAX_LENGTH:
        slug = slug[:SLUG_MAX_LENGTH].rsplit("-", 1)[0]
    return slug


def _is_latin(ch):
    """True for a letter of the Latin script."""
    return unicodedata.category(ch).startswith("L") and "LATIN" in unicodedata.name(ch, "")


def _slug_pieces(text):
    """Each character as the new rule spells it: Latin folded to ASCII, other scripts kept with their marks."""
    after_latin = False
    for ch in unicodedata.normalize("NFC", text.lower()):
        kind = unicodedata.category(ch)
        if kind.startswith("M"):
            yield "" if after_latin else ch
            continue
        after_latin = _is_latin(ch)
        if after_latin:
            folded = unicodedata.normalize("NFKD", ch.casefold())
            yield "".join(LATIN_ASCII.get(c, c) for c in folded if not unicodedata.combining(c))
        elif kind.startswith("L") or kind == "Nd":
            yield ch
        elif kind in ("Nl", "No") and unicodedata.normalize("NFKC", ch) != ch:
            yield from _slug_pieces(unicodedata.normalize("NFKC", ch))
        else:
            yield "-"


def new_slugify(text):
    """The rule from this revision on (text.slugify as it was written with it)."""
    slug = re.sub(r"-+", "-", "".join(_slug_pieces(text))).strip("-")
    if len(slug) <= SLUG_MAX_LENGTH:
        return slug
    cut = slug[:SLUG_MAX_LENGTH]
    if slug[SLUG_MAX_LENGTH] != "-" and "-" in cut:
        return cut.rsplit("-", 1)[0]
    while cut and unicodedata.category(slug[len(cut)]).startswith("M"):
        cut = cut[:-1]
    return cut.rstrip("-")


def recomputed(source, slug):
    """The new slug for a row whose slug the old rule made from `source`, else None (typed by hand, or unchanged)."""
    old, new = old_slugify(source), new_slugify(source)
    if not old or not new or old == new:
        return None
    made_by_old_rule = slug == old or re.fullmatch(re.escape(old) + r"-[0-9]+", slug)
    return new if made_by_old_rule else None


articles = sa.table("articles", sa.column("id", sa.Integer), sa.column("slug", sa.String),
                    sa.column("title", sa.String), sa.column("category_id", sa.Integer))
slug_redirects = sa.table("slug_redirects", sa.column("old_slug", sa.String), sa.column("article_id", sa.Integer))
categories = sa.table("categories", sa.column("id", sa.Integer), sa.column("name", sa.String),
                      sa.column("slug", sa.String))
tags = sa.table("tags", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("slug", sa.String))
article_tags = sa.table("article_tags", sa.column("article_id", sa.Integer), sa.column("tag_id", sa.Integer),
                        sa.column("listed_at", sa.DateTime))
category_redirects = sa.table("category_redirects", sa.column("old_slug", sa.String),
                              sa.column("category_id", sa.Integer))
tag_redirects = sa.table("tag_redirects", sa.column("old_slug", sa.String), sa.column("tag_id", sa.Integer))


def upgrade():
    op.create_table('category_redirects',
    sa.Column('old_slug', sa.String(length=100), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_category_redirects_category_id_categories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('old_slug', name=op.f('pk_category_redirects'))
    )
    with op.batch_alter_table('category_redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_redirects_category_id'), ['category_id'], unique=False)

    op.create_table('tag_redirects',
    sa.Column('old_slug', sa.String(length=80), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_tag_redirects_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('old_slug', name=op.f('pk_tag_redirects'))
    )
    with op.batch_alter_table('tag_redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_redirects_tag_id'), ['tag_id'], unique=False)

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index(batch_op.f('ix_categories_position'), ['position'], unique=False)

    connection = op.get_bind()
    recompute_article_slugs(connection)
    recompute_named_slugs(connection, categories, category_redirects, "category_id", merge_categories)
    recompute_named_slugs(connection, tags, tag_redirects, "tag_id", merge_tags)


def recompute_article_slugs(connection):
    """New slugs for articles whose slug came from their title; each old one is kept as a redirect."""
    rows = connection.execute(sa.select(articles.c.id, articles.c.title, articles.c.slug)).all()
    changes = {row.id: (row.slug, new) for row in rows if (new := recomputed(row.title, row.slug))}
    if not changes:
        return
    taken = {row.slug for row in rows if row.id not in changes}
    taken |= set(connection.execute(sa.select(slug_redirects.c.old_slug)).scalars())
    for article_id, (old, new) in changes.items():
        slug, suffix = new, 1
        while slug in taken:
            suffix += 1
            slug = f"{new}-{suffix}"
        taken.add(slug)
        changes[article_id] = (old, slug)
    # Two steps, so that no article takes a slug another gives up before that one has let it go.
    for article_id in changes:
        connection.execute(articles.update().where(articles.c.id == article_id).values(slug=f"--moving-{article_id}"))
    for article_id, (old, new) in changes.items():
        connection.execute(articles.update().where(articles.c.id == article_id).values(slug=new))
        connection.execute(slug_redirects.insert().values(old_slug=old, article_id=article_id))


def recompute_named_slugs(connection, table, redirects, owner, merge):
    """New slugs for categories or tags whose slug came from their name; two that now share one become one."""
    rows = connection.execute(sa.select(table.c.id, table.c.name, table.c.slug).order_by(table.c.id)).all()
    changes = {row.id: (row.slug, new) for row in rows if (new := recomputed(row.name, row.slug))}
    holder = {row.slug: row.id for row in rows if row.id not in changes}
    for row_id in changes:
        connection.execute(table.update().where(table.c.id == row_id).values(slug=f"--moving-{row_id}"))
    for row_id, (old, new) in changes.items():
        survivor = holder.setdefault(new, row_id)
        if survivor == row_id:
            connection.execute(table.update().where(table.c.id == row_id).values(slug=new))
        else:
            merge(connection, row_id, survivor)
            connection.execute(redirects.update().where(redirects.c[owner] == row_id).values({owner: survivor}))
            connection.execute(table.delete().where(table.c.id == row_id))
        connection.execute(redirects.delete().where(redirects.c.old_slug.in_([old, new])))
        connection.execute(redirects.insert().values({"old_slug": old, owner: survivor}))


def merge_categories(connection, source, target):
    """Move a category's articles to the one that now has its slug."""
    connection.execute(articles.update().where(articles.c.category_id == source).values(category_id=target))


def merge_tags(connection, source, target):
    """Move a tag's links to the one that now has its slug; an article with both keeps the earlier link."""
    links = article_tags.c
    target_links = dict(connection.execute(sa.select(links.article_id, links.listed_at).where(links.tag_id == target)).all())
    for article_id, listed_at in connection.execute(
            sa.select(links.article_id, links.listed_at).where(links.tag_id == source)).all():
        if article_id not in target_links:
            connection.execute(article_tags.update().where(links.tag_id == source, links.article_id == article_id)
                               .values(tag_id=target))
            continue
        earlier = min((t for t in (listed_at, target_links[article_id]) if t is not None), default=None)
        connection.execute(article_tags.update().where(links.tag_id == target, links.article_id == article_id)
                           .values(listed_at=earlier))
        connection.execute(article_tags.delete().where(links.tag_id == source, links.article_id == article_id))


def downgrade():
    # The recomputed slugs stay: the old rule lost letters' marks, and the redirects are dropped with their tables.
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_categories_position'))
        batch_op.drop_column('position')

    with op.batch_alter_table('tag_redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tag_redirects_tag_id'))

    op.drop_table('tag_redirects')
    with op.batch_alter_table('category_redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_redirects_category_id'))

    op.drop_table('category_redirects')
