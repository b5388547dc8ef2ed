"""What a markdown element's body looks like on the page: its text, and its HTML."""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

COMMONMARK = MarkdownIt("commonmark")


def rendered_html(markdown: str) -> str:
    """The HTML a CommonMark renderer makes of an element's markdown body."""
    return COMMONMARK.render(markdown)


def shown_text(markdown: str) -> str:
    """The characters a person reads: the body rendered, its tags dropped."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered_html(markdown))).strip()
