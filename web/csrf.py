"""The one CSRF check: Flask-WTF's tokens, and a verdict on every POST: ok, stale or forged.

Flask-WTF issues and checks the tokens through its public API (`CSRFProtect`, `csrf.protect()`,
`generate_csrf`, `validate_csrf`); nothing here reads its messages or its salt. Every form the site
draws also carries an `issued` stamp of our own, signed for the very token it is drawn with. When
the token fails, that stamp tells the two cases apart: a genuine stamp naming the token sent means
this site issued the form and only the token or its session aged (stale); anything else did not
come from this site (forged).
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, g, request
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf, validate_csrf
from wtforms import ValidationError

from content.text import token_digest
from web import stamps
from web.errors import render_error

csrf = CSRFProtect()

TOKEN_FIELD = "csrf_token"
ISSUED_FIELD = "issued"
ISSUED_PURPOSE = "form-issued"


class Verdict(Enum):
    """What the CSRF check makes of a request."""

    OK = "ok"
    STALE = "stale"  # a form this site issued, whose token or session aged
    FORGED = "forged"  # anything else: no token, or one this site cannot vouch for


def issued_stamp() -> str:
    """The stamp a form carries: this request's CSRF token (as a digest) and the time, signed."""
    return stamps.sign(ISSUED_PURPOSE, token_digest(generate_csrf()))


def shared_stamp() -> str:
    """The stamp of a form drawn without a token (a shared page's): the time alone, the same for every reader."""
    return stamps.sign(ISSUED_PURPOSE, None)


def cross_site(req: Request) -> bool:
    """True when a browser says another site's page sent this request, as Go's CrossOriginProtection reads it.

    Browsers send `Sec-Fetch-Site` with every request (Chrome 76, Firefox 90, Safari 16.4 on) and `Origin`
    with every cross-origin POST, and no page can set either. A request with neither came from no
    browser a page could steer: it gets nothing a request of its own could not.
    """
    fetched_from = req.headers.get("Sec-Fetch-Site")
    if fetched_from is not None:
        return fetched_from not in ("same-origin", "none")
    origin = req.headers.get("Origin")
    return origin is not None and urlsplit(origin).netloc != req.host


def read_issued(text: str | None, max_age: timedelta | None = None) -> stamps.Stamp | None:
    """An `issued` stamp read back (its value the token's digest), or None if it is not this site's or too old."""
    return stamps.read(ISSUED_PURPOSE, text, max_age)


def sent(name: str) -> list[str]:
    """Every non-empty value the request's form sent as `name` or `<prefix>-name` (a page may hold several forms)."""
    return [value for key, value in request.form.items(multi=True)
            if value and (key == name or key.endswith(f"-{name}"))]


def header_token() -> str | None:
    """The token a script sent in a header (X-CSRFToken), if any."""
    return next((request.headers[name] for name in current_app.config["WTF_CSRF_HEADERS"]
                 if request.headers.get(name)), None)


def tokens_sent() -> list[str]:
    """Every CSRF token the request carries, in its fields or a header."""
    header = header_token()
    return sent(TOKEN_FIELD) + ([header] if header else [])


def issued_here() -> bool:
    """True when the request provably comes from a page this site drew, however old the page is."""
    # Browsers let no other site set a custom header without CORS, which this site never grants:
    # a token in X-CSRFToken was sent by one of our own scripts.
    if header_token():
        return True
    digests = {token_digest(token) for token in sent(TOKEN_FIELD)}
    return any((stamp := read_issued(text)) is not None and stamp.value in digests for text in sent(ISSUED_FIELD))


def token_still_valid() -> bool:
    """True when a token sent passes on its own: the check failed for something else (an HTTPS referrer)."""
    for token in tokens_sent():
        try:
            validate_csrf(token)
        except ValidationError:
            continue
        return True
    return False


def judge() -> Verdict:
    """Run Flask-WTF's check on this request and, if it fails, say whether the form was ours and only aged."""
    if not current_app.config["WTF_CSRF_ENABLED"]:
        return Verdict.OK
    try:
        csrf.protect()
    except CSRFError:
        return Verdict.STALE if issued_here() and not token_still_valid() else Verdict.FORGED
    return Verdict.OK


def csrf_verdict() -> Verdict:
    """This request's verdict, decided once however many guards and handlers ask."""
    if "csrf_verdict" not in g:
        g.csrf_verdict = judge()
    return g.csrf_verdict


def csrf_failed(error: CSRFError):
    """A missing, wrong or expired CSRF token: the 400 page, saying what to do."""
    return render_error(400, "This form has expired or did not come from this site. "
                             "Please go back, reload the page and send it again.")


def init_app(app: Flask) -> None:
    """Check CSRF on every POST, answer a failure with the 400 page, and let templates stamp their own forms."""
    csrf.init_app(app)
    app.register_error_handler(CSRFError, csrf_failed)
    # For forms a template writes by hand, beside `csrf_token()`.
    app.add_template_global(issued_stamp)
