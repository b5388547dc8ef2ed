"""User text inside Streamlit's markdown elements (st.error, st.success, ...) shown as typed.

A refusal or a note that quotes a name the user typed (a token, a login, a file) goes
through markdown: unescaped, ``![x](http://host/x.png)`` in it makes the browser fetch.
"""

from __future__ import annotations

# CommonMark lets a backslash escape any ASCII punctuation; these start inline markdown,
# GFM, Streamlit's directives (:red[...]), math ($...$) or HTML anywhere in a line. (The
# messages quote names mid-sentence, so line-start markers such as "1." or "#" stay.)
MARKDOWN_SPECIALS = frozenset("\\`*_[]()<>!|~:$&")


def as_markdown_text(text: str) -> str:
    """``text`` escaped so that markdown renders exactly its characters, no markup."""
    return "".join(f"\\{c}" if c in MARKDOWN_SPECIALS else c for c in text)
