"""The editorial checks against whole texts: each defect case flags what its comment says and nothing
else; clean articles, in many styles, and the demo articles get no warning at all."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from cli.demo import DEMO_DIRECTORY, parse_demo_file
from editorial import editorial_warnings

CASES = Path(__file__).resolve().parent / "editorial_cases"
TITLE = "Council approves bridge repairs"
SUMMARY = "Members voted to fund the repairs."
# Defect case 5 of the dates is published on this day; the clean articles are tried on it too.
PUBLISHED = date(2026, 5, 20)
CLEAN_PUBLISHED = date(2026, 3, 12)

# (file, case number) -> the check, the fragments its one warning must hold, and the publication date.
EXPECTED = {
    ("defect-paraphrase", 1): ("repetition", ["Paragraph 3 (line 5)", "in paragraph 1 (line 1)", '"This decision came'], None),
    ("defect-paraphrase", 2): ("repetition", ["Paragraph 3 (line 5)", "in paragraph 1 (line 1)", '"After the river'], None),
    ("defect-paraphrase", 3): ("repetition", ["Paragraph 1 (line 1)", "earlier in the same paragraph", '"She has scored'], None),
    ("defect-paraphrase", 4): ("repetition", ["Paragraph 3 (line 5)", "in paragraph 1 (line 1)", '"According to figures'], None),
    ("defect-paraphrase", 5): ("repetition", ["List item on line 3", "in list item on line 1", '"From June the bridge'], None),
    ("defect-dates", 1): ("conflicting-dates", ["Paragraph 3 (line 5) gives April 2", "paragraph 1 (line 1) dates mid-March 2025"], None),
    ("defect-dates", 2): (
        "conflicting-dates", ["List item on line 5 gives 4 November 2025", "paragraph 1 (line 1) dates 4 September 2025"], None,
    ),
    ("defect-dates", 3): ("conflicting-dates", ["Paragraph 3 (line 5) gives late July", "dates Early in May 2024"], None),
    ("defect-dates", 4): ("conflicting-dates", ["Paragraph 3 (line 5) gives 12 October 2023", "dates spring of 2023"], None),
    ("defect-dates", 5): ("conflicting-dates", ["Paragraph 2 (line 3) gives 3 March", "dates Last Tuesday"], PUBLISHED),
    ("defect-totals", 1): ("impossible-number", ["Paragraph 1 (line 1)", "total of 900 after adding 1,200"], None),
    ("defect-totals", 2): ("impossible-number", ["Paragraph 1 (line 1)", "total of 30 after adding 45"], None),
    ("defect-totals", 3): ("impossible-number", ["total of 1.8 million after adding 2.5 million"], None),
    ("defect-totals", 4): ("impossible-number", ['range "between 700 and 500" backwards'], None),
    ("defect-totals", 5): ("impossible-number", ['share of 112% of "members who voted"'], None),
}


def defect_cases() -> dict[tuple[str, int], str]:
    """Read every "## case N" section of the defect files, without its flag comment."""
    cases = {}
    for path in sorted(CASES.glob("defect-*.md")):
        sections = re.split(r"^## case (\d+)\n", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
        for number, text in zip(sections[1::2], sections[2::2], strict=True):
            cases[(path.stem, int(number))] = re.sub(r"^<!-- flag: .*-->\n?", "", text, flags=re.MULTILINE)
    return cases


DEFECTS = defect_cases()


def test_every_defect_case_has_its_expectation():
    assert set(DEFECTS) == set(EXPECTED)


@pytest.mark.parametrize("case", EXPECTED, ids=[f"{name}-{number}" for name, number in EXPECTED])
def test_defect_case_flags_what_its_comment_says_and_nothing_else(case):
    check, fragments, published = EXPECTED[case]
    warnings = editorial_warnings(TITLE, SUMMARY, DEFECTS[case], published)
    assert [warning.check for warning in warnings] == [check], warnings
    for fragment in fragments:
        assert fragment in warnings[0].message


def test_last_tuesday_needs_a_publication_date():
    # Without one, "last Tuesday" could be any Tuesday: no conflict is claimed, only the restatement.
    warnings = editorial_warnings(TITLE, SUMMARY, DEFECTS[("defect-dates", 5)])
    assert [warning.check for warning in warnings] == ["repetition"]
    assert "Paragraph 2 (line 3) says again in other words" in warnings[0].message


CLEAN = sorted(CASES.glob("clean-*.md"))


@pytest.mark.parametrize("path", CLEAN, ids=[path.stem for path in CLEAN])
@pytest.mark.parametrize("published", [None, CLEAN_PUBLISHED], ids=["undated", "dated"])
def test_clean_article_gets_no_warning(path, published):
    assert editorial_warnings(TITLE, SUMMARY, path.read_text(encoding="utf-8"), published) == []


def test_clean_articles_cover_the_styles_the_checks_must_not_misread():
    styles = {"budget", "match-report", "timeline", "obituary", "interview", "weather", "court-report", "review"}
    assert {path.stem.removeprefix("clean-") for path in CLEAN} >= styles


DEMOS = sorted(DEMO_DIRECTORY.glob("*.md"))


@pytest.mark.parametrize("path", DEMOS, ids=[path.stem for path in DEMOS])
def test_demo_article_gets_no_warning(path):
    article = parse_demo_file(path.read_text(encoding="utf-8"))
    assert editorial_warnings(article.title, article.summary, article.body, CLEAN_PUBLISHED) == []
    assert editorial_warnings(article.title, article.summary, article.body) == []


def test_there_are_twelve_demo_articles():
    assert len(DEMOS) == 12
