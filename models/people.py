"""The newsroom's people: accounts and their roles, invitations and password links, signed-in browsers and forms kept for them."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, Self

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, String, and_, delete, func, or_, select, true, update
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from content.text import now_utc, token_digest
from models.base import UTCDateTime, db

if TYPE_CHECKING:  # built on this module, named in its annotations only
    from models.articles import Authorship

# What a byline says for a former account whose only name on record is the one it signed in with.
FORMER_STAFF = "A former staff member"


class Role(enum.StrEnum):
    """What an account may do in the newsroom; each role can do everything the one before can."""

    WRITER = "writer"
    EDITOR = "editor"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    """A member of the newsroom: a private sign-in name, and the public name bylines and the author page show."""

    __tablename__ = "users"
    USERNAME_MAX: ClassVar[int] = 80
    DISPLAY_NAME_MAX: ClassVar[int] = 80
    BIO_MAX: ClassVar[int] = 600
    SLUG_MAX: ClassVar[int] = 100

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The name bylines show, and the address of the author page; the sign-in name stays private.
    # Unique indexes rather than constraints: the migration adds them without rebuilding the table.
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX), index=True, unique=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), index=True, unique=True)
    bio: Mapped[str] = mapped_column(String(BIO_MAX), default="", server_default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.WRITER, server_default=Role.WRITER.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    sessions: Mapped[list[AdminSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    authorships: Mapped[list[Authorship]] = relationship(back_populates="user")

    # The raw token of the browser session this object was loaded for (never stored).
    session_token = None

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    def get_id(self) -> str | None:
        """Flask-Login keeps the session token, not the user id, so a server-side row can end it."""
        return self.session_token

    @classmethod
    def by_username(cls, username: str) -> User | None:
        """The account with this name, if any."""
        return db.session.execute(select(cls).filter_by(username=username)).scalar_one_or_none()

    @classmethod
    def by_slug(cls, slug: str) -> User | None:
        """The account whose author page has this slug, if any."""
        return db.session.execute(select(cls).filter_by(slug=slug)).scalar_one_or_none()

    @classmethod
    def at_address(cls, slug: str) -> User | None:
        """The author whose page has this slug; none for a former account known only by its sign-in name."""
        found = cls.by_slug(slug)
        return None if found is None or found.name_withheld else found

    @classmethod
    def former_target(cls, slug: str) -> str | None:
        """The author page's slug now, for a slug it had before its author was renamed."""
        query = select(cls.slug).join(AuthorRedirect, AuthorRedirect.user_id == cls.id).where(AuthorRedirect.old_slug == slug)
        return db.session.execute(query).scalar_one_or_none()

    def move_address(self, slug: str) -> None:
        """Give the author page a new slug, its old one answering 301 to it (and freed, if it was a former one)."""
        db.session.execute(delete(AuthorRedirect).where(AuthorRedirect.old_slug.in_([slug, self.slug])))
        db.session.add(AuthorRedirect(old_slug=self.slug, user_id=self.id))
        self.slug = slug

    @classmethod
    def by_display_name(cls, name: str) -> User | None:
        """The account bylines call `name` (any case), or whose slug it is, if any."""
        query = select(cls).where(or_(func.lower(cls.display_name) == name.lower(), cls.slug == name))
        return db.session.execute(query.limit(1)).scalar_one_or_none()

    @classmethod
    def display_name_taken(cls, name: str, except_id: int | None = None) -> bool:
        """True when another account's byline already reads `name` (any case)."""
        query = select(cls.id).where(func.lower(cls.display_name) == name.lower(), cls.id != except_id)
        return db.session.execute(query.limit(1)).first() is not None

    @classmethod
    def slug_taken(cls, slug: str, except_id: int | None = None) -> bool:
        """True when another account's author page has this slug."""
        return db.session.execute(select(cls.id).where(cls.slug == slug, cls.id != except_id).limit(1)).first() is not None

    @classmethod
    def everyone(cls) -> list[User]:
        """Every account, active ones first, by name: the people page and the byline choices."""
        return list(db.session.execute(select(cls).order_by(cls.active.desc(), func.lower(cls.display_name))).scalars())

    @classmethod
    def active_admin_count(cls) -> int:
        """How many accounts can still manage people."""
        query = select(func.count(cls.id)).where(cls.role == Role.ADMIN, cls.active.is_(True))
        return db.session.execute(query).scalar_one()

    @property
    def name_withheld(self) -> bool:
        """True for a deactivated account whose only name on record is its sign-in name (and slug from it)."""
        return not self.active and self.display_name.casefold() == self.username.casefold()

    @property
    def public_name(self) -> str:
        """The name readers see: the display name, never the sign-in name of a deactivated account."""
        return FORMER_STAFF if self.name_withheld else self.display_name

    @property
    def is_active(self) -> bool:
        """Flask-Login's question: a deactivated account is signed in nowhere."""
        return bool(self.active)


class AuthorRedirect(db.Model):
    """A slug an author page had before its author was renamed: old links answer 301 to the page now."""

    __tablename__ = "author_redirects"

    old_slug: Mapped[str] = mapped_column(String(User.SLUG_MAX), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    def __repr__(self) -> str:
        return f"<AuthorRedirect {self.old_slug}>"


class OneTimeLink:
    """What invitations and password links share: a token stored only as its hash, 48 hours of life, one use."""

    LIFETIME: ClassVar[timedelta] = timedelta(hours=48)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @classmethod
    def issue(cls, **fields) -> str:
        """Add a new link (not committed) and return its raw token, which is never stored."""
        token = secrets.token_urlsafe(32)
        db.session.add(cls(token_hash=token_digest(token), expires_at=now_utc() + cls.LIFETIME, **fields))
        return token

    @classmethod
    def is_open(cls):
        """The condition of a link that still works: neither used nor expired."""
        return and_(cls.used_at.is_(None), cls.expires_at > now_utc())

    @classmethod
    def open_by_token(cls, token: str) -> Self | None:
        """The link this raw token opens, unless it was used, withdrawn or has expired."""
        query = select(cls).where(cls.token_hash == token_digest(token), cls.is_open())
        return db.session.execute(query).scalar_one_or_none()

    @classmethod
    def forget_lapsed(cls) -> int:
        """Remove links that expired unused: nobody can open them, and the people page no longer lists them.
        Used links stay, as the record of who joined or reset through whose link. How many were removed."""
        return db.session.execute(delete(cls).where(cls.used_at.is_(None), cls.expires_at <= now_utc())).rowcount

    @classmethod
    def withdraw(cls, link_id: int) -> bool:
        """Delete the open link with this id; False when there was none (used, expired or withdrawn already)."""
        return db.session.execute(delete(cls).where(cls.id == link_id, cls.is_open())).rowcount == 1

    @classmethod
    def spend(cls, link_id: int) -> bool:
        """Mark the open link with this id used; False when another request used it first."""
        query = update(cls).where(cls.id == link_id, cls.is_open()).values(used_at=now_utc())
        return db.session.execute(query).rowcount == 1


class Invitation(OneTimeLink, db.Model):
    """A one-time link that lets someone create an account with a role."""

    __tablename__ = "invitations"

    role: Mapped[str] = mapped_column(String(16))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Invitation {self.id} as {self.role}>"

    @classmethod
    def open_ones(cls) -> list[Invitation]:
        """Invitations not yet used or expired, the newest first, for the people page."""
        query = (select(cls).options(joinedload(cls.invited_by)).where(cls.is_open())
                 .order_by(cls.created_at.desc(), cls.id.desc()))
        return list(db.session.execute(query).scalars())


class PasswordLink(OneTimeLink, db.Model):
    """A one-time link an admin makes so one account can set a new password without the old one."""

    __tablename__ = "password_links"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    made_by: Mapped[User | None] = relationship(foreign_keys=[made_by_id])

    def __repr__(self) -> str:
        return f"<PasswordLink {self.id} for {self.user_id}>"

    @classmethod
    def open_ones(cls) -> list[PasswordLink]:
        """Password links not yet used or expired, the newest first, with whom they are for and who made them."""
        query = (select(cls).options(joinedload(cls.user), joinedload(cls.made_by)).where(cls.is_open())
                 .order_by(cls.created_at.desc(), cls.id.desc()))
        return list(db.session.execute(query).scalars())

    @classmethod
    def withdraw_all_of(cls, user_id: int) -> None:
        """Withdraw every open link of an account: its password was set, or it was closed."""
        db.session.execute(delete(cls).where(cls.user_id == user_id, cls.is_open()))


class AdminSession(db.Model):
    """One signed-in browser; deleting the row signs that browser out wherever its cookie is."""

    __tablename__ = "admin_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    user: Mapped[User] = relationship(back_populates="sessions")

    def __repr__(self) -> str:
        return f"<AdminSession of {self.user_id}>"


class KeptForm(db.Model):
    """An article form sent after its session ended, held for its editor until they sign in again."""

    __tablename__ = "kept_forms"

    # The one-time key lives in the editor's session cookie; only its hash is stored here.
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # NULL for a new article, or when the article was deleted meanwhile (the text then opens as a new one).
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    def __repr__(self) -> str:
        return f"<KeptForm of {self.user_id} for {self.article_id}>"

    @classmethod
    def by_key_hash(cls, key_hash: str, kept_since: datetime) -> KeptForm | None:
        """The form kept under this key hash, unless it was kept before `kept_since`."""
        query = select(cls).where(cls.key_hash == key_hash, cls.created_at >= kept_since)
        return db.session.execute(query).scalar_one_or_none()

    @classmethod
    def forget_kept_before(cls, moment: datetime) -> int:
        """Remove forms held since before `moment`, so the table holds only the last hour's; how many."""
        return db.session.execute(delete(cls).where(cls.created_at < moment)).rowcount
