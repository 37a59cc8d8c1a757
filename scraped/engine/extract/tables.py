"""Free-response questions in a "Question | Answer" table: one question a row.

lines.py finds the tables whose header row names a question column and an answer column
(and no options column: a table of options is auto's); each body row whose question cell
has text gives a question with no options, the answer cell's text as its answer, and an
explanation column's text when there is one. Rows are records by the table's structure,
so no "?" or numbering is needed.
"""

from __future__ import annotations

from scraped.engine.extract.lines import EXPL
from scraped.engine.extract.model import ExtractedQuestion
from scraped.engine.extract.normalise import clean_text, strip_question_number

__all__ = ["table_questions"]

_MAX_ROWS = 2000


def _rows(table):
    for child in table:
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (r for r in child if r.tag == "tr")


def table_questions(tables: list[tuple]) -> list[ExtractedQuestion]:
    """The questions of "Question | Answer" tables ((table, (header, cols, qcol)) pairs)."""
    out: list[ExtractedQuestion] = []
    for table, (header, cols, qcol) in tables:
        acol = next(c for c, f in cols.items() if f != EXPL)
        ecol = next((c for c, f in cols.items() if f == EXPL), None)
        rows = 0
        for row in _rows(table):
            if row is header:
                continue
            rows += 1
            if rows > _MAX_ROWS:
                break
            cells = [c for c in row if c.tag in ("td", "th")]
            if len(cells) <= max(qcol, acol):
                continue
            question = strip_question_number(clean_text(" ".join(cells[qcol].itertext())))
            answer = clean_text(" ".join(cells[acol].itertext())) or None
            expl = clean_text(" ".join(cells[ecol].itertext())) or None if ecol is not None and ecol < len(cells) else None
            if len(question) >= 8 and answer:
                out.append(ExtractedQuestion(question, (), None, answer, expl))
    return out
