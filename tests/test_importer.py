"""The page-capture importer: what it stores, what it skips, what it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cli.importer import CaptureError, parse_capture
from content.text import now_utc
from models import Article, Category, Tag, db
from tests.test_reader import text_of

CAPTURE = """Politics Created 3 weeks ago 1,204 Reads korea korea sanctions geneva Korea
“Talks resume after a year of silence”
**
Negotiators met in Geneva on Monday for the first time in a year.

What we know so far
June 4, 2025: the first round ended without a statement.
November 2024: envoys exchanged letters.
2024-03-03: talks were suspended.

Officials said *nothing* about the # of rounds planned.
Be the first to comment.
"""


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    """A capture file in the test's temporary folder."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_parse_reads_every_part_of_a_capture():
    capture = parse_capture(CAPTURE)
    assert capture.category == "Politics"
    assert capture.age == timedelta(weeks=3)
    assert capture.reads == 1204
    assert capture.keywords == ["korea", "sanctions", "geneva"]
    assert capture.title == "Talks resume after a year of silence"
    assert capture.body.splitlines() == [
        "Negotiators met in Geneva on Monday for the first time in a year.",
        "",
        "## What we know so far",
        "",
        "- June 4, 2025: the first round ended without a statement.",
        "- November 2024: envoys exchanged letters.",
        "- 2024-03-03: talks were suspended.",
        "",
        "Officials said \\*nothing\\* about the # of rounds planned.",
    ]


@pytest.mark.parametrize(("first_line", "age", "reads"), [
    ('Sport Created 1 minute ago 1 Read x', timedelta(minutes=1), 1),
    ('Sport Created 5 hours ago 12.345 Reads x', timedelta(hours=5), 12345),
    ('Sport Created yesterday 0 Reads x', timedelta(days=1), 0),
    ('Sport Created just now 7 Reads', timedelta(0), 7),
    ('World News Created 2 months ago 3 Reads x', timedelta(days=60), 3),
    ('Sport Created 1 year ago 1 000 Reads x', timedelta(days=365), 1000),
])
def test_parse_first_line_variants(first_line, age, reads):
    capture = parse_capture(f'{first_line}\n"Title"\nBody text.\n')
    assert (capture.age, capture.reads) == (age, reads)


@pytest.mark.parametrize(("text", "line"), [
    ("", 1),
    ("Politics 3 weeks ago 12 Reads\n\"Title\"\nBody.", 1),
    ("Politics Created 3 fortnights ago 12 Reads\n\"Title\"\nBody.", 1),
    ("Politics Created 3 weeks ago many Reads\n\"Title\"\nBody.", 1),
    ("Politics Created 3 weeks ago 12 Reads\nTitle without quotes\nBody.", 2),
    ("Politics Created 3 weeks ago 12 Reads", 2),
    ("Politics Created 3 weeks ago 12 Reads\n\"Title\"\n**\n\nBe the first to comment.\n", 3),
])
def test_parse_refuses_a_broken_capture_naming_the_line(text, line):
    with pytest.raises(CaptureError) as refused:
        parse_capture(text)
    assert refused.value.line == line and f"line {line}:" in str(refused.value)


def test_import_stores_a_published_article_with_its_age_reads_and_tags(app, runner, client, tmp_path, frozen_clock):
    path = write(tmp_path, "talks.txt", CAPTURE)
    result = runner.invoke(args=["import-text", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported" in result.output and "/articles/talks-resume-after-a-year-of-silence" in result.output
    article = db.session.execute(db.select(Article)).scalar_one()
    assert article.published_at == article.created_at == now_utc() - timedelta(weeks=3)
    assert article.reads == 1204 and article.category.name == "Politics"
    assert sorted(tag.name for tag in article.tags) == ["geneva", "korea", "sanctions"]
    page = client.get("/articles/talks-resume-after-a-year-of-silence")
    html = page.get_data(as_text=True)
    assert "<h2>What we know so far</h2>" in html and "<li>2024-03-03: talks were suspended.</li>" in html
    assert "Officials said *nothing* about the # of rounds planned." in text_of(page)
    assert ("Politics Talks resume after a year of silence Published 3 weeks ago · 17 February 2026 "
            "1,204 Reads geneva korea sanctions") in text_of(page)
    assert client.get(f"/reads/{article.id}").get_json()["label"] == "1,205 Reads"
    assert not article.was_updated


def test_import_skips_an_existing_slug_and_refuses_a_broken_file_but_imports_the_rest(app, runner, tmp_path):
    good = write(tmp_path, "good.txt", CAPTURE)
    again = write(tmp_path, "again.txt", CAPTURE)
    broken = write(tmp_path, "broken.txt", "Politics Created 3 weeks ago 12 Reads\nno quotes\nBody.")
    other = write(tmp_path, "other.txt", 'Science Created 2 days ago 5 Reads rivers\n"Otters are back"\nThey are.')
    result = runner.invoke(args=["import-text", str(good), str(again), str(broken), str(other)])
    assert result.exit_code == 1
    assert f"{again}: skipped" in result.output
    assert f"{broken}: refused: line 2: expected the title in double quotes" in result.output
    titles = db.session.execute(db.select(Article.title).order_by(Article.id)).scalars().all()
    assert titles == ["Talks resume after a year of silence", "Otters are back"]


def test_a_refused_file_stores_nothing_at_all(app, runner, tmp_path):
    broken = write(tmp_path, "bad.txt", "Culture Created 3 weeks ago 12 Reads art\n\"Title\"\n")
    latin1 = write(tmp_path, "latin1.txt", 'Culture Created 1 day ago 1 Read art\n"Caf\xe9"\nBody.', encoding="latin-1")
    result = runner.invoke(args=["import-text", str(broken), str(latin1), str(tmp_path / "missing.txt")])
    assert result.exit_code == 1
    assert f"{latin1}: refused: line 2: is not valid UTF-8 text" in result.output
    assert "missing.txt: refused: cannot read the file" in result.output
    for model in (Article, Category, Tag):
        assert db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one() == 0


@pytest.mark.parametrize(("first_line", "problem"), [
    ("Sport Created 99999999999999999999 years ago 1 Read x", "too old"),
    ("Sport Created 3000 years ago 1 Read x", "too old"),
    ("Sport Created 1 day ago 99999999999999999999999 Reads x", "more than this site can count"),
    ("!!! Created 1 day ago 1 Read x", "with a letter or digit"),
])
def test_numbers_and_names_out_of_range_are_refused_and_the_other_files_still_import(
        app, runner, tmp_path, first_line, problem):
    bad = write(tmp_path, "bad.txt", f'{first_line}\n"Title"\nBody.')
    good = write(tmp_path, "good.txt", 'Science Created 2 days ago 5 Reads rivers\n"Otters are back"\nThey are.')
    result = runner.invoke(args=["import-text", str(bad), str(good)])
    assert result.exit_code == 1
    assert f"{bad}: refused: line 1:" in result.output and problem in result.output
    assert db.session.execute(db.select(Article.title)).scalars().all() == ["Otters are back"]


def test_a_title_too_long_for_its_column_is_refused(app, runner, tmp_path):
    bad = write(tmp_path, "long.txt", f'Sport Created 1 day ago 1 Read x\n"{"t" * 201}"\nBody.')
    result = runner.invoke(args=["import-text", str(bad)])
    assert result.exit_code == 1 and "line 2: the title is longer than 200 characters" in result.output


def test_refused_keywords_are_dropped_and_told_and_the_article_imports(app, runner, tmp_path):
    path = write(tmp_path, "k.txt", 'Sport Created 1 day ago 1 Read a #derby 2024 株 ' + "k" * 61 + '\n"Derby day"\nIt rained.')
    result = runner.invoke(args=["import-text", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: dropped keyword 'a': a tag needs at least 2 characters" in result.output
    assert f"{path}: dropped keyword '2024': a tag needs a letter, not only digits or punctuation" in result.output
    assert "a tag can have at most 60 characters" in result.output
    article = db.session.execute(db.select(Article)).scalar_one()
    assert sorted(tag.name for tag in article.tags) == ["derby", "株"]


def test_each_new_category_is_told_once_and_an_existing_one_is_not(app, runner, tmp_path, make_article):
    make_article("Existing", category="Science")
    files = [write(tmp_path, f"{n}.txt", f'{category} Created 1 day ago 1 Read\n"Story {n}"\nText.')
             for n, category in enumerate(["Créé", "science", "créé", "Local"])]
    result = runner.invoke(args=["import-text", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if line.startswith("new category")] == [
        "new category: Créé", "new category: Local"]
    assert sorted(db.session.execute(db.select(Category.name)).scalars()) == ["Créé", "Local", "Science"]


def test_a_dry_run_tells_what_would_happen_and_stores_nothing(app, runner, tmp_path):
    good = write(tmp_path, "good.txt", CAPTURE.replace("Politics", "Créé"))
    again = write(tmp_path, "again.txt", 'Créé Created 1 day ago 1 Read a\n"Second"\nText.')
    broken = write(tmp_path, "broken.txt", "Politics Created 3 weeks ago 12 Reads\nno quotes\nBody.")
    result = runner.invoke(args=["import-text", "--dry-run", str(good), str(again), str(broken)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{good}: would import 'Talks resume after a year of silence' as /articles/talks-resume-after-a-year-of-silence" in lines
    assert lines.count("new category: Créé") == 1
    assert f"{again}: dropped keyword 'a': a tag needs at least 2 characters (one is enough in Chinese or Japanese)" in lines
    assert f"{broken}: refused: line 2: expected the title in double quotes" in result.output
    assert lines[-1] == "Dry run: nothing was stored."
    for model in (Article, Category, Tag):
        assert db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one() == 0


def test_dated_lines_without_a_year_become_a_list():
    capture = parse_capture('Local Created 1 day ago 1 Read\n"Timeline"\nMarch 3: the bridge closed.\n'
                            "1 February: works began.\nMay 12: it reopens.\nA closing paragraph, in full.")
    assert capture.body.splitlines() == [
        "- March 3: the bridge closed.", "- 1 February: works began.", "- May 12: it reopens.", "",
        "A closing paragraph, in full."]


def test_titles_with_no_letter_take_article_then_article_2(app, runner, tmp_path):
    files = [write(tmp_path, f"{n}.txt", f'Local Created 1 day ago 1 Read\n"🎉🎉{"!" * n}"\nParty.') for n in (1, 2)]
    result = runner.invoke(args=["import-text", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert db.session.execute(db.select(Article.slug).order_by(Article.id)).scalars().all() == ["article", "article-2"]


def test_read_counts_past_two_billion_are_imported_and_keep_counting(app, runner, client, tmp_path):
    path = write(tmp_path, "viral.txt", 'Sport Created 1 day ago 5,000,000,000 Reads final\n"The final"\nIt was close.')
    result = runner.invoke(args=["import-text", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.execute(db.select(Article.reads)).scalar_one() == 5_000_000_000
    article_id = db.session.execute(db.select(Article.id)).scalar_one()
    assert "5,000,000,000 Reads" in text_of(client.get("/articles/the-final"))
    assert client.get(f"/reads/{article_id}").json["label"] == "5,000,000,001 Reads"
