"""`flask housekeeping`: what outlived its use is removed and counted; what is still needed stays."""

from __future__ import annotations

from datetime import timedelta

from content.text import now_utc
from models import AdminSession, Invitation, KeptForm, PasswordLink, RateLimit, db


def left(model) -> set:
    """The primary keys left in the model's table."""
    db.session.expire_all()
    key = model.__mapper__.primary_key[0]
    return set(db.session.execute(db.select(key)).scalars())


def test_housekeeping_removes_what_outlived_its_use_and_says_how_much(frozen_clock, runner, make_admin):
    admin = make_admin()
    now = now_utc()
    db.session.add_all([
        AdminSession(token_hash="idle", user_id=admin.id, created_at=now - timedelta(hours=3),
                     last_seen_at=now - timedelta(hours=2, minutes=1)),
        AdminSession(token_hash="old", user_id=admin.id, created_at=now - timedelta(hours=13), last_seen_at=now),
        AdminSession(token_hash="live", user_id=admin.id, created_at=now - timedelta(hours=1), last_seen_at=now),
        KeptForm(key_hash="stale", user_id=admin.id, fields={}, created_at=now - timedelta(minutes=61)),
        KeptForm(key_hash="waiting", user_id=admin.id, fields={}, created_at=now - timedelta(minutes=59)),
        RateLimit(key="gone", window_start=now - timedelta(days=1, seconds=1), hits=3),
        RateLimit(key="recent", window_start=now - timedelta(hours=23), hits=3),
    ])
    db.session.commit()
    Invitation.issue(role="writer", invited_by_id=admin.id)
    PasswordLink.issue(user_id=admin.id, made_by_id=admin.id)
    db.session.commit()
    frozen_clock.shift(timedelta(hours=48))  # both links lapse unused
    used = Invitation.issue(role="editor", invited_by_id=admin.id)
    open_link = PasswordLink.issue(user_id=admin.id, made_by_id=admin.id)
    db.session.commit()
    Invitation.spend(Invitation.open_by_token(used).id)
    db.session.commit()
    frozen_clock.shift(timedelta(hours=47))  # the used invitation has lapsed too, but was used: it stays
    later = now_utc()
    db.session.execute(db.update(AdminSession).where(AdminSession.token_hash == "live")
                       .values(created_at=later - timedelta(hours=1), last_seen_at=later))
    db.session.execute(db.update(KeptForm).where(KeptForm.key_hash == "waiting").values(created_at=later))
    db.session.execute(db.update(RateLimit).where(RateLimit.key == "recent").values(window_start=later))
    db.session.commit()

    result = runner.invoke(args=["housekeeping"])

    assert result.exit_code == 0, result.output
    assert result.output == ("Removed 2 ended sessions, 1 kept form, 1 rate-limit window, 1 lapsed invitation, "
                             "1 lapsed password link and 0 unused picture files.\n")
    assert left(AdminSession) == {"live"} and left(KeptForm) == {"waiting"} and left(RateLimit) == {"recent"}
    assert len(left(Invitation)) == 1 and PasswordLink.open_by_token(open_link) is not None
    again = runner.invoke(args=["housekeeping"])
    assert again.output == ("Removed 0 ended sessions, 0 kept forms, 0 rate-limit windows, 0 lapsed invitations, "
                            "0 lapsed password links and 0 unused picture files.\n")
