"""Tests for editorial: the pre-publication warnings and the tag suggestions."""

from __future__ import annotations

import random
import time
from datetime import date
from pathlib import Path

import pytest

from editorial import editorial_warnings, suggest_tags
from editorial.findings import EditorialWarning
from editorial.reading import MAX_ANALYSED_CHARACTERS
from editorial.words import sentences

CLEAN_TITLE = "City council approves Riverside Bridge repairs after two-year dispute"
CLEAN_SUMMARY = "Council members voted 7-2 to fund the repairs, splitting the cost with the transport authority."

# A realistic article that must produce no warning at all: headings, a quote,
# emphasis, a dated list, a table, code with snake_case names, "C#" and "No. 5".
CLEAN_BODY = """\
The city council on Tuesday approved a 14.5 million dollar plan to repair the Riverside Bridge, ending a two-year dispute over how to pay for the work.

Council members voted 7-2 in favour of the plan, which splits the cost between the city and the regional transport authority. Work is due to start in the autumn.

## How the vote unfolded

Debate lasted almost four hours. Supporters argued that further delays would only raise the price, while opponents questioned the authority's traffic forecasts.

> "We cannot keep patching a structure that carries 40,000 vehicles a day," said council leader Maria Lopez. "This plan finally gives engineers the time and money they need."

Two amendments were rejected, including one that would have added a **toll for lorries** and another that would have capped _annual_ maintenance spending.

## Timeline

The dispute began when inspectors found corrosion in the main supports:

- March 3, 2023: Inspectors report corrosion in the bridge's main supports.
- November 2023: The council commissions an independent engineering review.
- 4 June 2024: The review recommends a full repair rather than replacement.
- 2025-01-15: Council members debate the funding split for the first time.

### Costs at a glance

| Item | Cost |
| --- | ---: |
| Steel supports | $9.1m |
| Road surface | $3.2m |
| Contingency | $2.2m |

## What happens next

Contractors have until June 30, 2025, to submit bids. The authority will publish the shortlist on [its website](https://example.org/riverside_bridge/bids), and residents can comment on the plans at public meetings in each ward.

The city's IT team will also release the inspection data for developers. A sample script, written in Python rather than C#, shows how to read it:

```python
from bridge_data import load_inspections

inspections = load_inspections("riverside_bridge")
print(inspections.summary_by_year())
```

Local residents' group No. 5 Ward Watch welcomed the decision but said it would monitor the timetable closely. Its chair, Tom Reed, called the vote "a long-overdue step".

The `load_inspections` function returns one record per inspection, and the `riverside_bridge` data set covers every visit since 1998.
"""
CLEAN_PARAGRAPH_COUNT = 10
BIDS_PARAGRAPH = "paragraph 7 (line 32)"  # "Contractors have until June 30, 2025, ..."


def warnings_for(body: str, title: str = CLEAN_TITLE, summary: str = CLEAN_SUMMARY) -> list[EditorialWarning]:
    """Run every check on an article whose title and summary are fine unless given."""
    return editorial_warnings(title, summary, body)


def checks_for(body: str) -> list[str]:
    """Return just the check codes the body triggers."""
    return [warning.check for warning in warnings_for(body)]


def only_warning(body: str, **article: str) -> EditorialWarning:
    """Return the single warning the article (clean title and summary unless given) must trigger."""
    warnings = warnings_for(body, **article)
    assert len(warnings) == 1, warnings
    return warnings[0]


# --- The whole article -----------------------------------------------------------


def test_clean_article_has_no_warnings():
    assert warnings_for(CLEAN_BODY) == []


@pytest.mark.parametrize(
    ("addition", "check", "expected"),
    [
        pytest.param(
            "The minister said that the",
            "unfinished-paragraph",
            [
                f"Paragraph {CLEAN_PARAGRAPH_COUNT + 1} (line {{line}}) stops mid-sentence",
                '"The minister said that the"',
            ],
            id="unfinished-paragraph",
        ),
        pytest.param("**", "markup-debris", ["Line {line}", '"**"'], id="lone-bold-marker"),
        pytest.param("#Reactions", "markup-debris", ["Line {line}", '"#Reactions"'], id="heading-without-space"),
        pytest.param(
            "Tickets go on sale on Friday. #",
            "markup-debris",
            ["Line {line} ends with a stray", '"Tickets go on sale on Friday. #"'],
            id="trailing-hash",
        ),
        pytest.param(
            "Tickets go on **sale on Friday.",
            "markup-debris",
            [f"Paragraph {CLEAN_PARAGRAPH_COUNT + 1} (line {{line}})", '"**"', "Tickets go on **sale on Friday."],
            id="unmatched-bold",
        ),
        pytest.param(
            "Council members voted 7-2 in favour of the plan, which splits the cost between the city "
            "and the regional transport authority.",
            "repetition",
            [
                f"Paragraph {CLEAN_PARAGRAPH_COUNT + 1} (line {{line}})",
                "paragraph 2 (line 3)",
                '"Council members voted',
            ],
            id="repeated-sentence",
        ),
        pytest.param("## Reactions", "empty-subheading", ["line {line}", '"Reactions"'], id="empty-subheading"),
        pytest.param(
            "- May 2, 2025: Tenders are drafted.\n- April 1, 2025: Surveyors visit.\n- June 3, 2025: Bids open.",
            "date-order",
            ["line {line}", "line {line_plus_2}", '"June 3, 2025: Bids open."'],
            id="dated-list-out-of-order",
        ),
        pytest.param(
            "Contractors now have until July 30, 2025, to submit bids.",
            "conflicting-dates",
            [
                f"Paragraph {CLEAN_PARAGRAPH_COUNT + 1} (line {{line}}) gives July 30, 2025",
                f"{BIDS_PARAGRAPH} dates June 30, 2025",
                '"Contractors now have until July 30, 2025, to submit bids."',
            ],
            id="conflicting-dates",
        ),
    ],
)
def test_defect_added_to_clean_article_is_its_only_warning(addition, check, expected):
    body = f"{CLEAN_BODY}\n{addition}\n"
    line = CLEAN_BODY.count("\n") + 2  # after the article and one blank line
    warning = only_warning(body)
    assert warning.check == check
    for fragment in expected:
        assert fragment.format(line=line, line_plus_2=line + 2) in warning.message


def test_warnings_come_in_reading_order_after_title_and_summary():
    body = "## Empty\n\n## Next\n\nThe minister said that the\n\nA closing **line."
    warnings = editorial_warnings("x" * 120, " ", body)
    assert [warning.check for warning in warnings] == [
        "long-title",
        "missing-summary",
        "empty-subheading",
        "unfinished-paragraph",
        "markup-debris",
    ]


# --- Title and summary -----------------------------------------------------------


def test_title_over_110_characters_is_flagged():
    at_limit = "Council approves bridge repairs " + "x" * (110 - 32)
    over_limit = at_limit + "y"
    assert len(at_limit) == 110
    assert warnings_for(CLEAN_BODY, title=at_limit) == []
    warning = only_warning(CLEAN_BODY, title=over_limit)
    assert warning.check == "long-title"
    assert "111 characters" in warning.message
    assert '"Council approves bridge repairs xxx' in warning.message


@pytest.mark.parametrize("summary", ["", "   ", "\n\t  \n"])
def test_missing_summary_is_flagged(summary):
    warning = only_warning(CLEAN_BODY, summary=summary)
    assert warning.check == "missing-summary"
    assert warning.message == "Summary is missing; listings will show the start of the body instead."


# --- Unfinished paragraphs -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "label", "quote"),
    [
        pytest.param(
            "The minister said that the\n\nThe vote is on Tuesday.\n\nIt is expected to pass.",
            "Paragraph 1 (line 1)",
            '"The minister said that the"',
            id="first",
        ),
        pytest.param(
            "The vote is on Tuesday.\n\nThe minister said that the\n\nIt is expected to pass.",
            "Paragraph 2 (line 3)",
            '"The minister said that the"',
            id="middle",
        ),
        pytest.param(
            "The vote is on Tuesday.\n\nIt is expected to pass.\n\nThe minister said that the",
            "Paragraph 3 (line 5)",
            '"The minister said that the"',
            id="last",
        ),
        pytest.param(
            "The vote is on Tuesday.\n\nThe minister, speaking to reporters outside parliament after a\n"
            "long session, said that the budget would",
            "Paragraph 2 (line 3)",
            'session, said that the budget would"',
            id="long-paragraph-quotes-its-end",
        ),
        pytest.param(
            'The vote is on Tuesday.\n\n> "We will not give up on this bridge," she said, "because the',
            "Paragraph 2 (line 3)",
            "because the",
            id="block-quote",
        ),
    ],
)
def test_unfinished_paragraph_is_flagged_wherever_it_stands(body, label, quote):
    warning = only_warning(body)
    assert warning.check == "unfinished-paragraph"
    assert f"{label} stops mid-sentence" in warning.message
    assert quote in warning.message


@pytest.mark.parametrize(
    ("finished", "unfinished"),
    [
        pytest.param('She called it "a disgrace."', 'She called it "a disgrace', id="closing-quote"),
        pytest.param("She called it “a disgrace.”", "She called it “a disgrace”", id="curly-quote"),
        pytest.param("(The vote was close.)", "(The vote was close)", id="bracket"),
        pytest.param("Why now?", "Why now", id="question"),
        pytest.param("Not again!", "Not again", id="exclamation"),
        pytest.param("And then…", "And then", id="ellipsis"),
        pytest.param("*Updated on Friday.*", "*Updated on Friday*", id="emphasis"),
        pytest.param(
            "## Reaction from the mayor\n\nShe welcomed it.",
            "Reaction from the mayor\n\nShe welcomed it.",
            id="heading",
        ),
        pytest.param("Reaction\n--------\n\nShe welcomed it.", "Reaction\n\nShe welcomed it.", id="setext-heading"),
        pytest.param("- Bids open in June\n- Work starts in autumn", "Bids open in June", id="list-item"),
        pytest.param("| Item | Cost |\n| --- | --- |\n| Steel | 9.1m |", "Steel costs 9.1m", id="table-row"),
        pytest.param("```\nprint(total)\n```", "print(total)", id="fenced-code"),
        pytest.param("Intro.\n\n    total = cost * 2", "Intro.\n\ntotal = cost * 2", id="indented-code"),
        pytest.param(
            "Three things changed:\n\n- Cost\n- Date", "Three things changed:\n\nCost and date.", id="colon-before-list"
        ),
        pytest.param("He said:\n\n> It is done.", "He said:\n\nIt is done.", id="colon-before-quote"),
        pytest.param("> Points:\n>\n> - Cost\n> - Date", "> Points: cost, date", id="list-inside-quote"),
        pytest.param(
            "> The bridge is a symbol of the city.\n> — Maria Lopez",
            "> The bridge is a symbol of the city\n> — Maria Lopez",
            id="quote-attribution",
        ),
    ],
)
def test_only_prose_paragraphs_must_end_a_sentence(finished, unfinished):
    assert "unfinished-paragraph" not in checks_for(finished)
    assert "unfinished-paragraph" in checks_for(unfinished)


# --- Markup debris -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "location", "quote"),
    [
        pytest.param("Intro.\n\n**\n\nMore text.", "Line 3 holds only", '"**"', id="lone-bold"),
        pytest.param("Intro.\n\n*\n\nMore text.", "Line 3 holds only", '"*"', id="lone-star"),
        pytest.param("Intro.\n\n__\n\nMore text.", "Line 3 holds only", '"__"', id="lone-underscores"),
        pytest.param("Intro.\n\n###\n\nMore text.", "Line 3 holds only", '"###"', id="only-hashes"),
        pytest.param("Intro.\nMore text.\n**", "Line 3 holds only", '"**"', id="lone-marker-under-text"),
        pytest.param("#Background\n\nText.", "Line 1 starts with", '"#Background"', id="heading-without-space"),
        pytest.param(
            "Intro.\n\n##What comes next\n\nText.",
            "Line 3 starts with",
            '"##What comes next"',
            id="subheading-without-space",
        ),
        pytest.param(
            "Intro.\n\nThe vote is on Tuesday. #", "Line 3 ends with a stray", "Tuesday. #", id="trailing-hash"
        ),
        pytest.param(
            "Intro.\n\n- The vote is on Tuesday #", "Line 3 ends with a stray", "Tuesday #", id="trailing-hash-in-list"
        ),
        pytest.param(
            "Intro.\n\nA **bold claim.", 'Paragraph 2 (line 3) has an unmatched "**"', "A **bold claim.", id="bold"
        ),
        pytest.param(
            "Intro.\n\nA __strong claim.",
            'Paragraph 2 (line 3) has an unmatched "__"',
            "A __strong claim.",
            id="strong",
        ),
        pytest.param(
            "Intro.\n\nAn _emphatic claim.",
            'Paragraph 2 (line 3) has an unmatched "_"',
            "An _emphatic claim.",
            id="emphasis",
        ),
        pytest.param(
            "Intro.\n\n- A **bold item.", 'List item on line 3 has an unmatched "**"', "A **bold item.", id="list-item"
        ),
        pytest.param(
            "## A **bold heading\n\nText.", 'Heading on line 1 has an unmatched "**"', "A **bold heading", id="heading"
        ),
        pytest.param(
            "| Item | Cost |\n| --- | --- |\n| **Steel | 9.1m |",
            'Table row on line 3 has an unmatched "**"',
            "| **Steel | 9.1m |",
            id="table-row",
        ),
    ],
)
def test_markup_debris_is_flagged_with_its_line(body, location, quote):
    warning = only_warning(body)
    assert warning.check == "markup-debris"
    assert location in warning.message
    assert quote in warning.message


@pytest.mark.parametrize(
    ("ordinary", "debris"),
    [
        pytest.param("Written in C# and F#.", "Written in C# and F#. #", id="c-sharp"),
        pytest.param("She is ranked No. 5 in the world.", "She is ranked No. 5 in the world. #", id="number-sign"),
        pytest.param("#1 seed Jane Doe won in straight sets.", "#Results", id="hash-before-digit"),
        pytest.param("#MeToo became a rallying cry in 2017.", "#Reactions", id="hashtag-opening-a-sentence"),
        pytest.param("## Results ##\n\nJane Doe won.", "##Results\n\nJane Doe won.", id="closing-hashes"),
        pytest.param("The snake_case field is new.", "The _snake_case field is new.", id="snake-case"),
        pytest.param(
            "The `_private` and `**kwargs` names stay.", "The _private and `**kwargs` names stay.", id="code-span"
        ),
        pytest.param(
            "A **bold**, __strong__ and _quiet_ claim.", "A **bold, __strong__ and _quiet_ claim.", id="balanced"
        ),
        pytest.param("Intro.\n\n***\n\nMore text.", "Intro.\n\n**\n\nMore text.", id="thematic-break"),
        pytest.param("Escaped \\*\\* stars show as typed.", "Stray ** stars show as typed.", id="escaped"),
        pytest.param(
            "See [the data](https://example.org/a__b/_raw) today.", "See the _raw data today.", id="link-target"
        ),
        pytest.param("```\nx = a ** b  # power\n```", "x = a ** b.", id="fenced-code"),
    ],
)
def test_ordinary_text_is_not_markup_debris(ordinary, debris):
    assert "markup-debris" not in checks_for(ordinary)
    assert "markup-debris" in checks_for(debris)


# --- Repetition ----------------------------------------------------------------------

FIRST = "The council approved the plan to repair the Riverside Bridge after a four-hour debate on Tuesday night."


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            f"{FIRST} Work starts in autumn.\n\nBids close in June.\n\n"
            f"Residents welcomed it, saying the old crossing had felt unsafe for years. {FIRST}",
            ["Paragraph 3 (line 5) repeats a sentence already said in paragraph 1 (line 1)", '"The council approved'],
            id="exact-sentence",
        ),
        pytest.param(
            f"{FIRST}\n\nBids close in June.\n\n"
            "The council approved the plan to repair the Riverside Bridge after a four-hour debate on Tuesday evening.",
            ["Paragraph 3 (line 5) repeats what paragraph 1 (line 1) already says", '"The council approved'],
            id="near-repeat",
        ),
        pytest.param(
            f"{FIRST} Work starts in autumn.\n\nBids close in June.\n\n{FIRST} Work starts in autumn.",
            ["Paragraph 3 (line 5) repeats what paragraph 1 (line 1) already says"],
            id="whole-paragraph",
        ),
        pytest.param(
            f"Bids close in June.\n\n{FIRST} Residents welcomed it. {FIRST}",
            ["Paragraph 2 (line 3) repeats a sentence already said earlier in the same paragraph"],
            id="within-paragraph",
        ),
        pytest.param(
            f"{FIRST}\n\n- {FIRST}",
            ["List item on line 3 repeats what paragraph 1 (line 1) already says"],
            id="list-item",
        ),
        pytest.param(
            # Clauses swapped and reworded: 11 of its 17 word trigrams (0.65) are in the first paragraph.
            f"{FIRST}\n\nBids close in June.\n\n"
            "After a four-hour debate on Tuesday night, "
            "the plan to repair the Riverside Bridge was approved by councillors.",
            ["Paragraph 3 (line 5) repeats what paragraph 1 (line 1) already says", '"After a four-hour debate'],
            id="reordered-restatement",
        ),
    ],
)
def test_repetition_is_flagged_with_both_places(body, expected):
    warning = only_warning(body)
    assert warning.check == "repetition"
    for fragment in expected:
        assert fragment in warning.message


@pytest.mark.parametrize(
    ("different", "repeated"),
    [
        pytest.param(
            "She declined to comment.\n\nBids close in June.\n\nShe declined to comment.",
            "She declined to comment on the plan to repair the bridge.\n\nBids close in June.\n\n"
            "She declined to comment on the plan to repair the bridge.",
            id="short-sentences-may-recur",
        ),
        pytest.param(
            f"{FIRST}\n\nThe council approved the plan despite objections from residents living east of the river.",
            f"{FIRST}\n\nThe council approved the plan to repair the Riverside Bridge after a four-hour debate.",
            id="shared-opening-only",
        ),
    ],
)
def test_repetition_needs_most_of_a_long_sentence(different, repeated):
    assert "repetition" not in checks_for(different)
    assert "repetition" in checks_for(repeated)


# --- Empty subheadings --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line", "heading"),
    [
        pytest.param("## Reactions\n\n## Next steps\n\nText.", 1, "Reactions", id="same-level"),
        pytest.param("## Costs\n\nText.\n\n### Steel\n\n## Next steps\n\nText.", 5, "Steel", id="higher-level-follows"),
        pytest.param("Intro.\n\n## Next steps", 3, "Next steps", id="end-of-body"),
        pytest.param("Reactions\n---------\n\n## Next steps\n\nText.", 1, "Reactions", id="setext"),
        pytest.param("## Reactions\n\n---\n\n## Next steps\n\nText.", 1, "Reactions", id="only-a-rule-under-it"),
        # The page shifts the body's headings down a level, so a "#" heading is a subheading too.
        pytest.param("# Reactions\n\n# Next steps\n\nText.", 1, "Reactions", id="top-level"),
        pytest.param("Intro.\n\n# Next steps", 3, "Next steps", id="top-level-at-end-of-body"),
        pytest.param("# Costs\n\n## Steel\n\nText.\n\n# Next steps", 7, "Next steps", id="top-level-after-sections"),
    ],
)
def test_empty_subheading_is_flagged(body, line, heading):
    warning = only_warning(body)
    assert warning.check == "empty-subheading"
    assert f"Subheading on line {line} has no text under it" in warning.message
    assert f'"{heading}"' in warning.message


@pytest.mark.parametrize(
    ("filled", "empty"),
    [
        pytest.param("## Costs\n\n### Steel\n\nText.", "## Costs\n\n## Steel\n\nText.", id="deeper-heading-follows"),
        pytest.param("## Costs\n\n- Steel\n\n## Next\n\nText.", "## Costs\n\n## Next\n\nText.", id="list-under-it"),
        pytest.param("## Costs\n\n| A | B |\n| - | - |\n| 1 | 2 |", "Intro.\n\n## Costs", id="table-under-it"),
        pytest.param("## Code\n\n```\nx = 1\n```", "Intro.\n\n## Code", id="code-under-it"),
        pytest.param("# Costs\n\n## Steel\n\nText.", "# Costs\n\n# Steel\n\nText.", id="top-level-with-sections"),
    ],
)
def test_subheading_with_content_is_not_empty(filled, empty):
    assert "empty-subheading" not in checks_for(filled)
    assert "empty-subheading" in checks_for(empty)


# --- Dated lists ---------------------------------------------------------------------

# Three dates of each format, in ascending order.
DATE_FORMATS = {
    "month-day-year": ["June 4, 2024:", "March 3, 2025:", "June 4, 2025:"],
    "day-month-year": ["4 June 2024 –", "3 March 2025 –", "4 June 2025 –"],
    "month-year": ["November 2023:", "February 2024:", "November 2024:"],
    "iso": ["2023-12-30:", "2024-03-03:", "2024-03-04:"],
    "month-day": ["March 3:", "March 14:", "April 2:"],
    "bold": ["**June 4, 2024:**", "**March 3, 2025:**", "**June 4, 2025:**"],
    "abbreviated": ["Jan. 4, 2025:", "Sept. 3, 2025:", "Dec. 1, 2025:"],
    "year": ["2019:", "2021:", "2024:"],
}
EVENTS = ["Inspectors report corrosion.", "The council orders a review.", "Repairs are approved."]


def dated_list(dates: list[str], separator: str = "\n") -> str:
    """Return an article with a timeline of these dates."""
    items = separator.join(f"- {date} {event}" for date, event in zip(dates, EVENTS, strict=True))
    return f"Key dates:\n\n{items}\n\nThe work is due to finish next year."


@pytest.mark.parametrize("dates", DATE_FORMATS.values(), ids=DATE_FORMATS.keys())
def test_dated_list_in_either_direction_is_fine_but_shuffled_is_flagged(dates):
    first, second, third = dates
    assert warnings_for(dated_list([first, second, third])) == []
    assert warnings_for(dated_list([third, second, first])) == []
    warning = only_warning(dated_list([first, third, second]))
    assert warning.check == "date-order"
    assert "Dated list starting on line 3" in warning.message
    assert "line 5 breaks the order" in warning.message
    assert f'"{second} {EVENTS[2]}"' in warning.message


def test_yearless_dated_list_may_cross_new_year():
    assert warnings_for(dated_list(["December 30:", "December 31:", "January 2:"])) == []
    assert checks_for(dated_list(["December 30:", "January 2:", "December 31:"])) == ["date-order"]


def test_items_of_a_loose_dated_list_count_as_one_list():
    warning = only_warning(dated_list(["June 4, 2024:", "June 4, 2025:", "March 3, 2025:"], separator="\n\n"))
    assert warning.check == "date-order"
    assert "line 7 breaks the order" in warning.message


# --- Conflicting dates -----------------------------------------------------------------

OPENING = "The Riverside Bridge opened to traffic on June 4, 2025."


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            f"{OPENING}\n\nRepairs took three years.\n\n"
            "Crowds cheered as the Riverside Bridge opened to traffic on June 14, 2025.",
            ["Paragraph 3 (line 5) gives June 14, 2025", "paragraph 1 (line 1) dates June 4, 2025", '"Crowds cheered'],
            id="paragraphs",
        ),
        pytest.param(
            "Key dates:\n\n- June 4, 2025: Riverside Bridge opened to traffic.\n\n"
            "Repairs took three years.\n\nThe Riverside Bridge opened to traffic on 14 June 2025.",
            ["Paragraph 3 (line 7) gives 14 June 2025", "list item on line 3 dates June 4, 2025"],
            id="timeline-and-paragraph",
        ),
        pytest.param(
            "The Riverside Bridge opened to traffic on June 4.\n\n"
            "Crowds cheered on June 14 as the Riverside Bridge opened to traffic.",
            ["Paragraph 2 (line 3) gives June 14", "paragraph 1 (line 1) dates June 4"],
            id="without-years",
        ),
        pytest.param(
            # Only "opened" is shared besides the names, but the names pin the event down.
            "Mayor Jane Smith opened the Hollin Bridge on June 4, 2025.\n\n"
            "Crowds gathered when Mayor Jane Smith opened the Hollin Bridge on June 14, 2025.",
            ["Paragraph 2 (line 3) gives June 14, 2025", "paragraph 1 (line 1) dates June 4, 2025", '"Crowds gathered'],
            id="shared-names-and-one-shared-word",
        ),
    ],
)
def test_one_event_with_two_dates_is_flagged(body, expected):
    warning = only_warning(body)
    assert warning.check == "conflicting-dates"
    for fragment in expected:
        assert fragment in warning.message


@pytest.mark.parametrize(
    ("consistent", "conflicting"),
    [
        pytest.param(
            "Jane Doe was elected mayor of Springfield on May 3, 2022.\n\n"
            "Jane Doe was sworn in as mayor of Springfield on June 1, 2022.",
            "Jane Doe was elected mayor of Springfield on May 3, 2022.\n\n"
            "Jane Doe, elected mayor of Springfield on June 1, 2022, took office in July.",
            id="different-events-of-one-person",
        ),
        pytest.param(
            "The Riverside Bridge closed for repairs on March 3, 2025.\n\n"
            "The Riverside Bridge closed for repairs again on April 9, 2025.",
            "The Riverside Bridge closed for repairs on March 3, 2025.\n\n"
            "The Riverside Bridge closed for repairs on April 9, 2025.",
            id="recurring-event",
        ),
        pytest.param(
            f"{OPENING}\n\nThe Riverside Bridge opened to traffic on 4 June 2025, after three years.",
            f"{OPENING}\n\nThe Riverside Bridge opened to traffic on 14 June 2025, after three years.",
            id="same-date-written-differently",
        ),
        pytest.param(
            "- June 4, 2025: Riverside Bridge opened to traffic.\n"
            "- June 14, 2025: Riverside Bridge opened to traffic at night.",
            "- June 4, 2025: Riverside Bridge opened to traffic.\n\n"
            "Riverside Bridge opened to traffic at night on June 14, 2025.",
            id="timeline-items-are-separate-events",
        ),
        pytest.param(
            "Mayor Jane Smith opened the Hollin Bridge on June 4, 2025.\n\n"
            "Mayor Jane Smith visited the Hollin Bridge on June 14, 2025.",
            "Mayor Jane Smith opened the Hollin Bridge on June 4, 2025.\n\n"
            "Mayor Jane Smith opened the Hollin Bridge on June 14, 2025.",
            id="shared-names-but-nothing-else",
        ),
    ],
)
def test_dates_of_different_events_do_not_conflict(consistent, conflicting):
    assert "conflicting-dates" not in checks_for(consistent)
    assert "conflicting-dates" in checks_for(conflicting)


# --- Tag suggestions ---------------------------------------------------------------------

KOREA_BODY = """\
North Korea fired a missile into the sea on Monday, officials said.

The missile flew for about 40 minutes. North Korea has tested several such missiles this year.

Analysts said North Korea wants to show that its missile programme is advancing.
"""


def test_repeated_two_word_phrase_is_kept_whole():
    tags = suggest_tags(KOREA_BODY)
    assert "north korea" in tags
    assert "north" not in tags
    assert "korea" not in tags


def test_phrase_word_is_also_suggested_when_it_mostly_stands_alone():
    body = KOREA_BODY + "\nKorea, Korea, Korea, Korea, Korea and Korea were on every front page.\n"
    tags = suggest_tags(body)
    assert "north korea" in tags
    assert "korea" in tags
    assert "north" not in tags


def test_stop_words_are_never_suggested():
    body = (
        "People said the bridge would reopen this year, officials said. "
        "They also said the new bridge would take time, people says. "
        "Also, the year was new and people would say so again, said the report."
    )
    tags = suggest_tags(body)
    assert tags == ["bridge"]


def test_existing_tags_come_first_spelled_as_given():
    existing = ["Elections", "TRANSPORT", "Riverside Bridge", "transport"]
    body = (
        "The riverside bridge will close. Transport officials said the riverside bridge needs steel. "
        "Transport unions and the riverside bridge campaign disagree about steel."
    )
    tags = suggest_tags(body, existing_tags=existing)
    assert tags[:2] == ["Riverside Bridge", "TRANSPORT"]
    assert "Elections" not in tags  # not mentioned in the body
    lowered = [tag.lower() for tag in tags]
    assert lowered.count("riverside bridge") == 1
    assert lowered.count("transport") == 1
    assert "steel" in tags


def test_existing_tags_are_matched_by_whole_normalized_name_among_ten_thousand():
    wards = [f"Ward {number}" for number in range(10_000)]
    others = ["Riverside Bridge", "riverside-bridge", "Bridge", "North Korea", "Korea North", "Elections"]
    rare = ["Tessel Valley Rivers Authority", "C#"]  # more than three words; punctuation
    body = (
        "Voters in Ward 12 and Ward 120 backed the plan. They spoke of North Korea. North winds closed the "
        "Riverside Bridge, which links Ward 12 with Ward 7, last winter. Riverside-bridge traffic is back. "
        "The Tessel Valley Rivers Authority, whose tools are written in C#, welcomed the news."
    )
    tags = suggest_tags(body, existing_tags=wards + others + rare, limit=100)
    # Twice each: "Bridge" and "Riverside Bridge" (hyphenated once), "Ward 12"; then once each.
    twice = ["Bridge", "Riverside Bridge", "Ward 12"]
    once = ["C#", "North Korea", "Tessel Valley Rivers Authority", "Ward 120", "Ward 7"]
    assert tags[:8] == twice + once
    assert not {"Ward 1", "Ward 2", "riverside-bridge", "Korea North", "Elections"} & set(tags)
    assert [tag.casefold() for tag in tags].count("riverside bridge") == 1


@pytest.mark.parametrize("limit", [0, 1, 3])
def test_limit_is_respected(limit):
    everything = suggest_tags(CLEAN_BODY, limit=100)
    assert len(everything) > 3
    assert suggest_tags(CLEAN_BODY, limit=limit) == everything[:limit]


def test_order_is_by_frequency_then_alphabetical_and_repeatable():
    body = (
        "The zebra escaped. A zebra keeper chased the zebra. Mango trees shaded the mango stall. "
        "Apple growers sold apple juice. A kiwi watched."
    )
    assert suggest_tags(body) == ["zebra", "apple", "mango"]
    assert suggest_tags(body) == suggest_tags(body)


def test_markdown_urls_code_numbers_and_short_words_are_ignored():
    body = """\
## Harbour

The harbour reopened. See [the report](https://example.org/pipeline/pipeline/pipeline).
Visit https://example.org/dredging/dredging for more on the harbour.

```
function function function
```

EU EU EU 2025 2025 2025 `pipeline pipeline` <span class="dredging">x</span>
"""
    assert suggest_tags(body) == ["harbour"]


def test_stopword_list_is_a_plain_word_list_with_news_filler():
    path = Path(__file__).resolve().parent.parent / "data" / "stopwords-en.txt"
    words = path.read_text(encoding="utf-8").splitlines()
    assert 300 <= len(words) <= 500
    assert all(word == word.strip().lower() and " " not in word and word for word in words)
    assert len(set(words)) == len(words)
    assert {"said", "says", "year", "also", "would", "new"} <= set(words)


# --- Robustness ---------------------------------------------------------------------------

# Bodies a form can send that must neither crash the checks nor hang them; the deep quote once raised RecursionError.
NASTY_BODIES = {
    "deep-quote": "> " * 400 + "x",
    "deep-quote-lines": ("> " * 40 + "Quoted text.\n") * 40,
    "brackets": "[" * 50_000,
    "stars": "*" * 50_000,
    "underscores": "_" * 50_000,
    "hashes": "#" * 50_000,
    "hashes-in-text": "Text " + "#" * 50_000 + " more",
    "backticks": "`" * 50_000,
    "backticks-in-text": "Text " + "`" * 50_000,
    "backtick-runs-of-every-length": "a".join("`" * length for length in range(1, 300)),
    "control-characters": "".join(map(chr, range(32))) * 100 + "\x7f\x85\u2028\u2029\ufeff",
    "impossible-dates": "- February 30, 2025: x\n- 2024-13-45: y\n- 0000-00-00: z\n- 31 June 2025: w",
    "only-whitespace": " \t\r\n\r\n  \n",
    "empty": "",
}


@pytest.mark.parametrize("body", NASTY_BODIES.values(), ids=NASTY_BODIES.keys())
def test_nasty_body_never_raises(body):
    warnings = editorial_warnings(body[:200], body[:200], body)
    assert all(isinstance(warning, EditorialWarning) for warning in warnings)
    tags = suggest_tags(body, existing_tags=[body[:30], "Quoted text", "x"])
    assert all(isinstance(tag, str) for tag in tags)


# Pieces of Markdown, dates and odd characters that random bodies are made of.
MARKDOWN_PIECES = [
    *"> #*_`[]()!<|:-=~\\.?'\"\n\t\r\x00 ",
    "\n\n", "    ", "```", "- ", "1. ", "## ", "#x", "| - |", "---", "[^1]", "<b>", "http://a.b/_c_",
    "June 4, 2025", "4 June", "2024-02-30", "Jane Smith", "opened", "the bridge", "word",
]  # fmt: skip


def test_random_markdown_never_raises():
    rng = random.Random(20250604)  # fixed, so a failure can be replayed
    for _ in range(500):
        body = "".join(rng.choice(MARKDOWN_PIECES) for _ in range(rng.randrange(80)))
        assert isinstance(editorial_warnings(body, body, body), list)
        assert isinstance(suggest_tags(body, existing_tags=[body[:20], "Jane Smith"]), list)


def test_quote_nested_past_the_limit_is_still_checked_as_text():
    warning = only_warning("> " * 400 + "The minister said that the")
    assert warning.check == "unfinished-paragraph"


def short_paragraphs(count: int) -> str:
    """Return count distinct, finished paragraphs, each too short to count as a repeat."""
    return "\n\n".join(f"Item {number} is fine." for number in range(count))


def test_only_the_start_of_a_huge_body_is_analysed():
    filler = short_paragraphs(MAX_ANALYSED_CHARACTERS // 10)
    assert len(filler) > MAX_ANALYSED_CHARACTERS
    # The unfinished last paragraph lies past the limit: only the first one is reported, then the cut.
    unfinished, cut = warnings_for(f"The minister said that the\n\n{filler}\n\nThe mayor said that the")
    assert unfinished.message.startswith("Paragraph 1 (line 1) stops mid-sentence")
    analysed_lines = filler[: MAX_ANALYSED_CHARACTERS - 28].rsplit("\n\n", 1)[0].count("\n") + 3
    assert cut == EditorialWarning(
        "body-too-long",
        f"Body is longer than 250,000 characters, so it was checked only up to line {analysed_lines}; "
        "nothing after it was checked.",
    )
    zeppelins = "Zeppelin, zeppelin, zeppelin."
    assert "zeppelin" in suggest_tags(f"{zeppelins}\n\n{filler}")
    assert "zeppelin" not in suggest_tags(f"{filler}\n\n{zeppelins}", limit=100)


# About 200 KB each, aimed at backtracking patterns and pairwise comparisons; most once took 6 s to minutes.
PATHOLOGICAL_BODIES = {
    "unclosed-links": "[a](" * 50_000,
    "bold-markers": "**" * 100_000,
    "one-word": "word " * 40_000,
    "near-identical-sentences": " ".join(
        f"The council approved the plan to repair the Riverside Bridge, version {number}." for number in range(5_000)
    ),
    "dated-sentences": " ".join(
        f"Mayor Jane Smith opened the Hollin Bridge on June {number % 28 + 1}, 2025." for number in range(3_000)
    ),
    "empty-headings": "## Heading\n" * 20_000,
    "heading-padded-with-spaces": "# Heading" + " " * 200_000 + "end",
}


@pytest.mark.parametrize("body", PATHOLOGICAL_BODIES.values(), ids=PATHOLOGICAL_BODIES.keys())
def test_pathological_body_does_not_hang(body):
    # A guard against hanging (a regex that backtracks for minutes), not a speed claim: the bound
    # is about a hundred times what the work takes here.
    started = time.perf_counter()
    assert isinstance(editorial_warnings(CLEAN_TITLE, CLEAN_SUMMARY, body), list)
    assert isinstance(suggest_tags(body, existing_tags=[f"Ward {number}" for number in range(1_000)]), list)
    assert time.perf_counter() - started < 30


# --- Reading the body as the page renders it ------------------------------------------------


@pytest.mark.parametrize(
    ("body", "label", "tag"),
    [
        pytest.param(
            'Watch the vote:\n\n<iframe src="https://video.example.org/vote"></iframe>',
            "Paragraph 2 (line 3)",
            '<iframe src="https://video.example.org/vote">',
            id="iframe",
        ),
        pytest.param("The plan <div>passed</div> on Tuesday.", "Paragraph 1 (line 1)", "<div>", id="inline-div"),
        pytest.param("- Bids <script>alert(1)</script> open.", "List item on line 1", "<script>", id="list-item"),
        pytest.param("The vote passed.<!-- check the count -->", "Paragraph 1 (line 1)", "<!-- check the count -->", id="comment"),
        pytest.param("## Results<br/>\n\nText.", "Heading on line 1", "<br/>", id="heading"),
    ],
)
def test_html_in_the_text_is_flagged_as_showing_as_text(body, label, tag):
    warning = only_warning(body)
    assert warning.check == "raw-html"
    assert warning.message.startswith(f'{label} holds HTML ("{tag}") that readers will see as typed')


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Use the `<div>` element for layout.", id="code-span"),
        pytest.param("```\n<iframe src=x></iframe>\n```", id="fenced-code"),
        pytest.param("Turnout was 3 < 5 > 2 in three wards.", id="comparisons"),
        pytest.param("Read it at <https://example.org/report> or write to <desk@example.org>.", id="autolinks"),
        pytest.param("Type \\<div> to start a block.", id="escaped"),
    ],
)
def test_text_that_only_looks_like_html_is_not_flagged(body):
    assert "raw-html" not in checks_for(body)


def test_link_reference_definition_is_not_a_paragraph():
    # The renderer turns it into nothing: no "stops mid-sentence" for a line readers never see.
    body = "Read the [bridge report] before the vote.\n\n[bridge report]: https://example.org/report"
    assert warnings_for(body) == []


def test_entities_are_read_as_the_characters_readers_see():
    body = "The caf&eacute; reopened. Another caf&eacute; is planned near the caf&eacute; on Mill Road."
    assert suggest_tags(body) == ["café"]


def test_code_indented_inside_a_list_item_is_not_prose():
    body = "Steps:\n\n- Run the import:\n\n      import_bridge_data --all\n\n- Check the totals."
    assert warnings_for(body) == []


# Each text holds two sentences; the first three once split after the title or initials.
SENTENCE_CASES = [
    "Dr. Jane Smith opened the ward. Patients cheered.",
    "The U.S. Senate voted on Monday. The bill failed.",
    "Gov. Smith and Sen. Jones spoke. Both left early.",
    "She lives at No. 10 Mill Road. It is near the river.",
    "The meeting ended at 3 p.m. Councillors then left.",
    "The meeting starts at 3 p.m. on Friday. Everyone is welcome.",
    "Prices rose 3.5% in May. Rents rose 2.1%.",
    '"We will not give up," she said. "The bridge matters."',
    'She called it "a disgrace." The mayor disagreed.',
    "Jan. 4 was the date. Work began on Sept. 3.",
]


@pytest.mark.parametrize("text", SENTENCE_CASES)
def test_sentences_end_where_readers_end_them(text):
    first, second = sentences(text)
    assert f"{first} {second}" == text


# --- Restatements, vaguer dates and impossible numbers ------------------------------------

BRIDGE_OPENING = "In mid-March 2025 the mayor opened the new bridge over the Tessel with the transport minister."


@pytest.mark.parametrize(
    ("consistent", "conflicting"),
    [
        pytest.param(
            "On March 14 the mayor and the transport minister opened the Tessel bridge.",
            "On April 2 the mayor and the transport minister opened the Tessel bridge.",
            id="day-inside-a-part-of-a-month",
        ),
        pytest.param(
            "Late in March 2025 the mayor and the transport minister opened the Tessel bridge.",
            "At the end of April 2025 the mayor and the transport minister opened the Tessel bridge.",
            id="overlapping-parts-of-months",
        ),
        pytest.param(
            "In the spring of 2025 the mayor and the transport minister opened the Tessel bridge.",
            "In the autumn of 2025 the mayor and the transport minister opened the Tessel bridge.",
            id="seasons",
        ),
        pytest.param(
            "In March the mayor and the transport minister opened the Tessel bridge.",
            "In June the mayor and the transport minister opened the Tessel bridge.",
            id="bare-months",
        ),
    ],
)
def test_a_vaguer_date_conflicts_only_with_what_it_rules_out(consistent, conflicting):
    # Told twice, the opening is still a restatement, but its dates agree.
    assert checks_for(f"{BRIDGE_OPENING}\n\nTraffic has been light.\n\n{consistent}") == ["repetition"]
    warning = only_warning(f"{BRIDGE_OPENING}\n\nTraffic has been light.\n\n{conflicting}")
    assert warning.check == "conflicting-dates"
    assert "Paragraph 3 (line 5) gives" in warning.message
    assert "paragraph 1 (line 1) dates mid-March 2025" in warning.message


@pytest.mark.parametrize(
    ("published", "checks"),
    [
        pytest.param(date(2026, 3, 4), ["repetition"], id="yesterday-was-march-3"),
        pytest.param(date(2026, 3, 20), ["conflicting-dates"], id="yesterday-was-march-19"),
    ],
)
def test_relative_dates_are_read_from_the_publication_date(published, checks):
    # The second paragraph restates the first; only the wrong "yesterday" makes it a conflict of dates.
    body = (
        "Yesterday the Oakhurst school board voted to close the Station Road site.\n\n"
        "On 3 March 2026 the Oakhurst school board voted to close the site on Station Road."
    )
    assert [warning.check for warning in editorial_warnings(CLEAN_TITLE, CLEAN_SUMMARY, body, published)] == checks


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("The library opens between 10 and 4 on weekdays.", id="clock-hours"),
        pytest.param("The library opens between 10 a.m. and 2 p.m. on Saturdays.", id="times"),
        pytest.param("Wards ran at 120% of capacity all winter.", id="share-of-a-level"),
        pytest.param("Rainfall reached 130 per cent of the long-term average.", id="share-of-an-average"),
        pytest.param("A further 12 months was added, taking his sentence to 3 years.", id="different-units"),
        pytest.param("The club added 300 seats, bringing capacity to 6,100.", id="total-larger"),
        pytest.param("Turnout fell from 700 to 500 voters.", id="a-fall-is-no-range"),
    ],
)
def test_numbers_that_can_be_true_are_not_flagged(body):
    assert checks_for(body) == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        pytest.param("Tickets cost between £24 and £12.", 'range "between £24 and £12" backwards', id="pounds"),
        pytest.param("It was backed by 104 per cent of residents.", 'share of 104% of "residents"', id="per-cent"),
        pytest.param(
            "The trust raised another £40,000, taking its fund to £35,000.",
            "total of £35,000 after adding £40,000",
            id="added-and-taking",
        ),
    ],
)
def test_numbers_that_cannot_be_true_are_flagged(body, fragment):
    warning = only_warning(body)
    assert warning.check == "impossible-number"
    assert warning.message.startswith("Paragraph 1 (line 1) gives")
    assert fragment in warning.message


def test_short_sentence_held_by_a_longer_one_is_no_restatement():
    # All of the second sentence's content words are in the first, but they share too little of it.
    body = (
        "The footbridge linking Hollin Bridge with the Tessel riverside path reopened to pedestrians and "
        "cyclists this morning, ten months after floods closed it.\n\n"
        "The riverside path between Hollin Bridge and Marrow End reopened too."
    )
    assert checks_for(body) == []


@pytest.mark.parametrize(
    ("body", "marker"),
    [
        pytest.param("Intro.\n\n1.\n\nMore text.", '"1."', id="empty-numbered-item"),
        pytest.param("Intro.\n\n-\n\nMore text.", '"-"', id="empty-bullet"),
        # The parser stops nesting at 20 levels and shows the items past it empty.
        pytest.param("- " * 400 + "The minister said.", '"-"', id="list-nested-past-the-limit"),
    ],
)
def test_an_empty_list_item_shows_as_a_bare_marker(body, marker):
    warning = only_warning(body)
    assert warning.check == "markup-debris"
    assert f"holds only {marker}, a formatting marker left behind" in warning.message
