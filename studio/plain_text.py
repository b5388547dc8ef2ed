"""User text shown as text: no markdown, links, images, colours, LaTeX or HTML from it."""

from __future__ import annotations

import re

# Every ASCII punctuation mark may be backslash-escaped in CommonMark; Streamlit's own
# directives (``:red[...]``, ``:material/...:``, ``$...$``) are made of them too.
MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&\"'=^%@/])")


def as_markdown_text(text: str) -> str:
    """``text`` escaped for ``st.markdown``: it renders as exactly these characters."""
    one_line = " ".join(str(text).split())  # a newline would start a markdown block
    return MARKUP.sub(r"\\\1", one_line)
