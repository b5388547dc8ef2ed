"""User text shown as typed, wherever the studio shows it: one helper for every name a
user typed or uploaded (a token, a login, a file, a prompt, a tag's words) in Streamlit's
markdown elements (st.error, st.success, st.caption, st.markdown, titles, labels...).

Unescaped, ``![x](http://host/x.png)`` makes the browser fetch, ``<img onerror=...>``
becomes an element, ``**b**`` and ``:red[x]`` restyle a message, and a name that reads
like an address (``www.host.example``, ``http://...``, ``a@host.example``) becomes a link.
"""

from __future__ import annotations

import re

# CommonMark lets a backslash escape any ASCII punctuation; these start inline markdown,
# GFM, Streamlit's directives (:red[...]), math ($...$) or HTML anywhere in a line. (The
# messages quote names mid-sentence, so line-start markers such as "1." or "#" stay.)
# Parentheses need none: a link needs "](" and the brackets are escaped.
MARKDOWN_SPECIALS = frozenset("\\`*_[]<>!|~$&")
# Where a link or an emoji starts with no markup at all: "www.", an address's "@", a colon
# with something right after it (http://, :smile:). Streamlit's markdown finds these in the
# text after parsing (GFM's autolink literals), so escapes do not stop them (seen in
# Chromium); an invisible WORD JOINER (U+2060) there breaks the pattern, not the text.
AUTOLINK_STARTS = re.compile(r"(?i)(?<=www)(?=\d*\.)|(?=@)|(?<=:)(?=\S)")
WORD_JOINER = "\u2060"


def as_markdown_text(text: str) -> str:
    """``text`` escaped so that markdown renders exactly its characters, no markup."""
    escaped = "".join(f"\\{c}" if c in MARKDOWN_SPECIALS else c for c in str(text))
    return AUTOLINK_STARTS.sub(WORD_JOINER, escaped)


def plain(text: object) -> str:
    """Shorter name for the pages: ``st.error(plain(problem))``."""
    return as_markdown_text(str(text))


CODE_SPAN = re.compile(r"(`[^`\n]+`)")


def message(text: object) -> str:
    """A message from the back end (a refusal, a warning) that may quote user text: its
    `code` spans stay code (markdown shows their content literally anyway), and every other
    character is shown as typed."""
    parts = CODE_SPAN.split(str(text))
    return "".join(part if i % 2 else as_markdown_text(part) for i, part in enumerate(parts))
