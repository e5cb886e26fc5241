"""Slugs, tag names, excerpts, relative time and Markdown rendering."""

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from content.text import (
    escape_markdown,
    excerpt,
    normalize_tag_name,
    relative_time,
    relative_time_holds_until,
    render_markdown,
    slugify,
    sort_tag_names,
    split_tag_names,
    unique_slug,
)
from tests.html_checks import dangerous_markup

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("title", "slug"), [
    ("Council approves £212m budget", "council-approves-212m-budget"),
    ("Café Zürich: the été of Ærø", "cafe-zurich-the-ete-of-aero"),
    ("Créé", "cree"),
    ("Việt Nam đổi mới", "viet-nam-doi-moi"),
    ("東京で会議が開かれた", "東京で会議が開かれた"),
    ("北京：天气预报。", "北京-天气预报"),
    ("أبيب", "أبيب"),
    ("مَدْرَسَةٌ جَدِيدَة", "مَدْرَسَةٌ-جَدِيدَة"),
    ("שָׁלוֹם, ירושלים", "שָׁלוֹם-ירושלים"),
    ("नमस्ते दुनिया", "नमस्ते-दुनिया"),
    ("ΟΔΟΣ Αθηνάς", "οδος-αθηνάς"),
    ("Йошкар-Ола", "йошкар-ола"),
    ("İstanbul", "istanbul"),
    ("£212m", "212m"),
    ("km² in Ⅻ", "km2-in-xii"),
    ("🎉🎉 🚀", ""),
    ("Straße wird gesperrt", "strasse-wird-gesperrt"),
    ("Москва и Петербург", "москва-и-петербург"),
    ("  --Hello,   World!--  ", "hello-world"),
    ("under_score and snake_case", "under-score-and-snake-case"),
    ("!!!", ""),
])
def test_slugify_makes_readable_slugs(title, slug):
    assert slugify(title) == slug


def test_slugify_keeps_every_mark_of_non_latin_scripts_in_nfc():
    # Decomposed input (NFD) gives the composed slug, and no mark of Arabic, Hindi or Japanese is lost.
    import unicodedata

    for title in ("東京で会議が開かれた", "मराठी भाषा", "أَبِيب"):
        slug = slugify(unicodedata.normalize("NFD", title))
        assert slug == unicodedata.normalize("NFC", title).replace(" ", "-")
        assert unicodedata.is_normalized("NFC", slug)


def test_slugify_never_cuts_a_letter_from_its_marks():
    title = "नमस्ते" * 20
    slug = slugify(title)
    assert 70 < len(slug) <= 80 and title.startswith(slug)
    # The character after the cut starts a new letter: no vowel sign or virama was left behind.
    assert not unicodedata.category(title[len(slug)]).startswith("M")


def test_slugify_cuts_long_titles_at_a_word():
    slug = slugify("word " * 40)
    assert len(slug) <= 80
    assert not slug.endswith("-") and slug.endswith("word")


def test_unique_slug_adds_a_numeric_suffix_on_a_clash():
    taken = {"budget-vote", "budget-vote-2"}
    assert unique_slug("Budget vote", taken.__contains__) == "budget-vote-3"
    assert unique_slug("Fresh title", taken.__contains__) == "fresh-title"
    assert unique_slug("???", taken.__contains__) == "article"


@pytest.mark.parametrize("raw", ["North Korea", " north  korea", "north-korea", "North_Korea"])
def test_spellings_of_one_tag_share_a_slug(raw):
    assert slugify(normalize_tag_name(raw)) == "north-korea"


@pytest.mark.parametrize(("raw", "kept", "refused"), [
    ("a, b, #sport", ["sport"], ["a", "b"]),
    ("株, 東京, ไทย", ["株", "東京", "ไทย"], []),
    ("2024, 12.5%, ..., ##", [], ["2024", "12.5%", "..."]),
    ("EU, C#, #North-Korea", ["EU", "C#", "North Korea"], []),
    ("é, ñu", ["ñu"], ["é"]),
])
def test_tag_rules_keep_words_and_refuse_letters_alone_and_numbers(raw, kept, refused):
    names, refusals = sort_tag_names(raw)
    assert names == kept
    assert [name for name, _ in refusals] == refused
    assert all(why.startswith("a tag needs") for _, why in refusals)


def test_split_tag_names_keeps_one_name_per_tag_in_order():
    assert split_tag_names("North Korea, energy, north-korea,  , Energy ,river valley") == [
        "North Korea", "energy", "river valley"]


def test_excerpt_cuts_at_a_word_with_an_ellipsis():
    text = "The council met on Tuesday. " * 20
    cut = excerpt(text, 60)
    assert cut.endswith("…") and len(cut) <= 61
    assert cut[:-1] in text and not cut[:-1].endswith(" ")
    assert excerpt("Short text.", 60) == "Short text."


@pytest.mark.parametrize(("age", "expected"), [
    (timedelta(seconds=-30), "just now"),
    (timedelta(0), "just now"),
    (timedelta(seconds=59), "just now"),
    (timedelta(seconds=60), "1 minute ago"),
    (timedelta(seconds=119), "1 minute ago"),
    (timedelta(seconds=120), "2 minutes ago"),
    (timedelta(minutes=59, seconds=59), "59 minutes ago"),
    (timedelta(minutes=60), "1 hour ago"),
    (timedelta(hours=2), "2 hours ago"),
    (timedelta(hours=23, minutes=59), "23 hours ago"),
    (timedelta(hours=24), "yesterday"),
    (timedelta(hours=47, minutes=59), "yesterday"),
    (timedelta(hours=48), "2 days ago"),
    (timedelta(days=6, hours=23), "6 days ago"),
    (timedelta(days=7), "1 week ago"),
    (timedelta(days=13), "1 week ago"),
    (timedelta(days=14), "2 weeks ago"),
    (timedelta(days=29, hours=23), "4 weeks ago"),
    (timedelta(days=30), "1 month ago"),
    (timedelta(days=59), "1 month ago"),
    (timedelta(days=60), "2 months ago"),
    (timedelta(days=364), "12 months ago"),
    (timedelta(days=365), "1 year ago"),
    (timedelta(days=729), "1 year ago"),
    (timedelta(days=730), "2 years ago"),
])
def test_relative_time_at_every_boundary(age, expected):
    assert relative_time(NOW - age, NOW) == expected


def test_relative_time_reads_the_clock_when_no_now_is_given(frozen_clock):
    assert relative_time(datetime(2026, 3, 10, 11, 0, tzinfo=UTC)) == "1 hour ago"


def test_markdown_headings_start_at_h2_and_stop_at_h4():
    html, _ = render_markdown("# Top\n\ntext\n\n## Sub\n\n### Deep\n\n#### Deeper\n")
    assert "<h2>Top</h2>" in html and "<h3>Sub</h3>" in html
    assert "<h4>Deep</h4>" in html and "<h4>Deeper</h4>" in html and "<h1" not in html


def test_markdown_subheadings_alone_become_h2():
    html, _ = render_markdown("Intro.\n\n## What happened\n\nText.")
    assert "<h2>What happened</h2>" in html


def test_markdown_raw_html_and_script_links_do_not_survive():
    html, _ = render_markdown('<script>alert(1)</script>\n\n[x](javascript:alert(1)) <b onclick="x">b</b>')
    assert dangerous_markup(html) == []
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_markdown_plain_text_is_the_paragraphs_only():
    _, plain = render_markdown("## Heading\n\nFirst **bold** para.\n\n- a list item\n\nSecond `code` para.")
    assert plain == "First bold para. Second code para."


@pytest.mark.parametrize("line", [
    "# not a heading", "- not a list", "1. not a list", "*stars* and _underscores_", "<b>tags</b> & [links](x)",
    "> not a quote", "a | table | row", "back\\slash",
])
def test_escaped_markdown_renders_as_written(line):
    html, plain = render_markdown(escape_markdown(line))
    assert plain == line
    assert html.startswith("<p>")


@pytest.mark.parametrize("age, holds_for", [
    (timedelta(seconds=10), timedelta(seconds=50)),
    (timedelta(minutes=5, seconds=30), timedelta(seconds=30)),
    (timedelta(minutes=59, seconds=30), timedelta(seconds=30)),
    (timedelta(hours=3, minutes=10), timedelta(minutes=50)),
    (timedelta(hours=30), timedelta(hours=18)),
    (timedelta(days=3, hours=1), timedelta(hours=23)),
    (timedelta(days=400), timedelta(days=330)),
])
def test_a_relative_time_holds_until_its_text_changes(age, holds_for):
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    then = now - age
    until = relative_time_holds_until(then, now)
    assert until - now == holds_for
    assert relative_time(then, until - timedelta(seconds=1)) == relative_time(then, now)
    assert relative_time(then, until) != relative_time(then, now)
