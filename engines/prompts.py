"""Checks on prompt text that the models' tokenizers cannot make for us."""

from __future__ import annotations

import unicodedata

ENGLISH_ONLY_WARNING = (
    "The model understands English; this prompt is mostly in another script, "
    "so the result may ignore it. Try describing it in English."
)


def non_latin_share(text: str) -> float:
    """Share of the letters in ``text`` that are not Latin script (0 when it has none)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    latin = sum(1 for c in letters if unicodedata.name(c, "").startswith("LATIN"))
    return 1.0 - latin / len(letters)


def english_warning(text: str) -> str | None:
    """A warning for prompts the English-only models will not understand."""
    has_letters = any(c.isalpha() for c in text)
    if non_latin_share(text) > 0.5 or (text.strip() and not has_letters):
        return ENGLISH_ONLY_WARNING
    return None
