"""The extracted question: what every extractor returns and the store keeps."""

from __future__ import annotations

from dataclasses import dataclass

from scraped.engine.extract.normalise import question_key


@dataclass(frozen=True)
class ExtractedQuestion:
    """One question found on a page, already normalised.

    `answer` is a 0-based index into `options` (None if unknown or free-response);
    `answer_text` is that option's text, or the answer as written when it is not an
    option (free-response questions, or an answer that names no option).
    """

    question: str
    options: tuple[str, ...]
    answer: int | None
    answer_text: str | None
    explanation: str | None
    category: str | None = None
    difficulty: str | None = None

    def key(self) -> str:
        """The content hash used as the question's `_id` in the store (computed once)."""
        key = self.__dict__.get("_key")
        if key is None:
            key = question_key(self.question, self.options)
            self.__dict__["_key"] = key  # a cache, not a field: equality and repr ignore it
        return key

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "options": list(self.options),
            "answer": self.answer,
            "answer_text": self.answer_text,
            "explanation": self.explanation,
        }
