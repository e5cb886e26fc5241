"""The database: `db`, the models, and the named queries each page needs.

base (db, Base, column types, SQLite tuning), lean → people, articles → comments, labels, pictures, readcount,
site, site_pages → listings. Each module imports only those before it. `import models` gives what callers use.
"""

from models.articles import (
    Article,
    ArticleStatus,
    Authorship,
    SlugRedirect,
    article_tags,
    copy_listing_times,
    with_bylines,
)
from models.base import MAX_ID, READ_COUNT, Base, UTCDateTime, Wide, db
from models.changes import BulkChanges, changed_in_bulk, take_bulk_changes
from models.comments import Comment, CommentStatus
from models.labels import Category, CategoryRedirect, FormerSlug, Label, Tag, TagRedirect
from models.lean import Lean, write_turn
from models.listings import (
    MAX_PAGE,
    BadCursor,
    FrontPage,
    Listing,
    Page,
    by_author,
    decode_cursor,
    encode_cursor,
    feed_articles,
    front_page,
    in_category,
    published_article_count,
    published_article_stamps,
    published_page,
    published_since,
    with_tag,
)
from models.people import (
    FORMER_STAFF,
    AdminSession,
    AuthorRedirect,
    Invitation,
    KeptForm,
    OneTimeLink,
    PasswordLink,
    Role,
    User,
)
from models.pictures import (
    LINKED_HASH,
    MEDIA_ENDINGS,
    MEDIA_NAME,
    MEDIA_PATH,
    PICTURE_HASH_LENGTH,
    PICTURE_PREVIEW_WIDTH,
    PICTURE_WIDTHS,
    PREVIEW_ENDING,
    Picture,
    media_address,
    media_name,
    webp_ending,
)
from models.readcount import count_read, published_reads
from models.site import DemoRow, RateLimit, SiteFact, SiteVersion
from models.site_pages import SitePage

__all__ = [
    "FORMER_STAFF", "LINKED_HASH", "MAX_ID", "MAX_PAGE", "MEDIA_ENDINGS", "MEDIA_NAME", "MEDIA_PATH",
    "PICTURE_HASH_LENGTH", "PICTURE_PREVIEW_WIDTH", "PICTURE_WIDTHS", "PREVIEW_ENDING", "READ_COUNT", "AdminSession", "Article", "AuthorRedirect",
    "ArticleStatus", "Authorship", "BadCursor", "Base", "BulkChanges", "Category", "CategoryRedirect", "Comment",
    "CommentStatus", "DemoRow", "FormerSlug", "FrontPage", "Invitation", "KeptForm", "Label", "Lean", "Listing",
    "OneTimeLink", "Page", "PasswordLink", "Picture", "RateLimit",
    "Role", "SiteFact", "SitePage", "SiteVersion", "SlugRedirect", "Tag", "TagRedirect", "UTCDateTime", "User", "Wide",
    "article_tags",
    "by_author", "changed_in_bulk", "copy_listing_times", "count_read", "db", "decode_cursor", "encode_cursor",
    "feed_articles", "front_page", "in_category", "media_address", "media_name", "published_article_count",
    "published_article_stamps", "published_page", "published_reads", "published_since", "take_bulk_changes", "write_turn",
    "webp_ending", "with_bylines", "with_tag",
]
