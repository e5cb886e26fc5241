"""Hostile comments posted through the real form: nothing that could run survives, stored or shown."""

from __future__ import annotations

import pytest

from content.sanitize import sanitize_comment
from models import Comment, db
from tests.html_checks import dangerous_markup
from tests.test_comments import post_comment

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<img src=x onerror=alert(1)>",
    "<img src=x onerror=\"alert(1)\"//>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"JAVASCRIPT:alert(1)\">click</a>",
    "<a href=\"  javascript:alert(1)\">click</a>",
    "<a href=\"java&#x09;script:alert(1)\">tab</a>",
    "<a href=\"java\nscript:alert(1)\">newline</a>",
    "<a href=\"&#106;avascript:alert(1)\">entity</a>",
    "<a href=\"&#x6a;avascript&#x3a;alert(1)\">hex entity</a>",
    "<a href=\"javascript&colon;alert(1)\">named colon</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data</a>",
    "<a href=\"DATA:text/html,<script>alert(1)</script>\">data upper</a>",
    "<a href=\"vbscript:msgbox(1)\">vb</a>",
    "<a href=\"VBScript:msgbox(1)\">vb upper</a>",
    "<a href=\"%6A%61%76%61%73%63%72%69%70%74:alert(1)\">percent</a>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">handler</a>",
    "<a href=\"https://ok.example\" onmouseover=alert(1)>hover</a>",
    "<a href=\"https://ok.example\" style=\"position:fixed;top:0\">styled</a>",
    "<a href=https://ok.example/\"onmouseover=\"alert(1)>quote break</a>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text x=0 y=20>svg link</text></a></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><use href=\"data:image/svg+xml;base64,PHN2ZyBpZD0neCc+PC9zdmc+#x\"/></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math><maction actiontype=\"statusline\" xlink:href=\"javascript:alert(1)\">math</maction></math>",
    "<math><mi xlink:href=\"data:x,<script>alert(1)</script>\">mi</mi></math>",
    "<div style=\"background:url(javascript:alert(1))\">bg</div>",
    "<p style=\"width: expression(alert(1))\">expression</p>",
    "<style>body{background:url('javascript:alert(1)')}</style>",
    "<style>@import 'http://evil.example/x.css';</style>",
    "<link rel=stylesheet href=http://evil.example/x.css>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"data:text/html,<script>alert(1)</script>\">",
    "<form action=\"javascript:alert(1)\"><button>go</button></form>",
    "<button formaction=\"javascript:alert(1)\">b</button>",
    "<input autofocus onfocus=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>m</marquee>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<p title=\"</p><img src=x onerror=alert(1)>\">mutation</p>",
    "<table><td background=\"javascript:alert(1)\">td</td></table>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    "<template><script>alert(1)</script></template>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<strong onclick=alert(1)>bold</strong>",
    "<blockquote cite=\"javascript:alert(1)\" onmouseenter=alert(1)>q</blockquote>",
    "<code><script>alert(1)</script></code>",
    "<pre><img src=x onerror=alert(1)></pre>",
    "<ul><li onclick=alert(1)>li</li></ul>",
    "javascript:alert(1)",
    "Visit javascript:alert(document.cookie) now",
    "<a href='https://ok.example'>fine</a><script>alert(1)</script>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "<scrip\x00t>alert(1)</script>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<a href=\"&#1;javascript:alert(1)\">ctl entity</a>",
    "<a href=\"\u2028javascript:alert(1)\">line separator</a>",
]


def test_there_are_enough_payloads():
    assert len(PAYLOADS) >= 60


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_a_hostile_comment_is_neither_stored_nor_shown_as_markup_that_runs(client, make_article, payload):
    make_article("Open thread")
    # The page's own head and form are the baseline; a comment may add nothing to the list.
    baseline = dangerous_markup(client.get("/articles/open-thread").get_data(as_text=True))
    body = f"Before {payload} after"
    response = post_comment(client, "open-thread", name=payload[:80].replace("\x00", ""), body=body)
    stored = db.session.execute(db.select(Comment)).scalars().all()
    if "\x00" in payload:
        assert response.status_code == 400 and stored == []  # refused outright
        return
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    [comment] = stored
    assert dangerous_markup(comment.body_html) == []
    assert "<script" not in comment.body_html.lower()
    page = client.get("/articles/open-thread").get_data(as_text=True)
    assert dangerous_markup(page) == baseline
    assert f'id="comment-{comment.id}"' in page


@pytest.mark.parametrize(("body", "html"), [
    ("**not markdown** <strong>strong</strong> <em>em</em> <code>x = 1</code>",
     "<p>**not markdown** <strong>strong</strong> <em>em</em> <code>x = 1</code></p>"),
    ("<blockquote>quoted</blockquote>", "<blockquote>quoted</blockquote>"),
    ("<b>bold</b> and <i>italic</i>, <B>loud</B>", "<p><strong>bold</strong> and <em>italic</em>, <strong>loud</strong></p>"),
    ("<ul><li>one</li></ul>", "<ul><li>one</li></ul>"),
    ("Mail <a href=\"mailto:ed@example.org\">the editor</a>",
     '<p>Mail <a href="mailto:ed@example.org" rel="nofollow ugc noopener noreferrer">the editor</a></p>'),
    ("See https://example.org/a?b=1&c=2.",
     '<p>See <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc noopener noreferrer">'
     'https://example.org/a?b=1&amp;c=2</a>.</p>'),
    ("<h1>Big</h1> <span>plain</span>", "<p>Big plain</p>"),
    ("5 < 6 & 7 > 3", "<p>5 &lt; 6 &amp; 7 &gt; 3</p>"),
])
def test_the_allowlist_keeps_simple_formatting_and_links_get_a_safe_rel(body, html):
    assert sanitize_comment(body) == html
