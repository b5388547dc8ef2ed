"""as_markdown_text: what a user typed, put into a markdown message, renders as typed."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from studio.ui.text import WORD_JOINER, as_markdown_text, message

COMMONMARK = MarkdownIt("commonmark")


def rendered_text(markdown: str) -> str:
    out = COMMONMARK.render(f"Refused: {markdown} is not one.")
    assert out.startswith("<p>") and out.endswith("</p>\n"), out  # one plain paragraph
    # The word joiner that breaks "www."/"@"/"x:y" links is invisible: what a person reads.
    return html.unescape(out[len("<p>") : -len("</p>\n")]).replace(WORD_JOINER, "")


def test_links_images_emphasis_code_and_html_render_as_their_characters():
    for typed in [
        "![t](http://192.0.2.1/x.png)",
        "[site](http://192.0.2.1/)",
        "<img src=http://192.0.2.1/x.png>",
        "**bold** _it_ `code` ~~gone~~ a\\b &amp; <http://192.0.2.1/>",
    ]:
        assert rendered_text(as_markdown_text(typed)) == f"Refused: {typed} is not one."
    assert "<img" in rendered_text("![t](http://192.0.2.1/x.png)")  # unescaped, it would fetch


@given(st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=40))
def test_any_printable_ascii_renders_as_typed(typed: str):
    shown = rendered_text(as_markdown_text(typed))
    # Markdown itself trims and collapses spaces at a paragraph's ends: compare the rest.
    assert shown.split() == f"Refused: {typed} is not one.".split()


def test_a_message_keeps_its_code_spans_and_shows_the_rest_as_typed():
    said = message("`melody_path` must be an audio file, but 'a_b ![t](http://192.0.2.1/x).wav' is")
    html = COMMONMARK.render(said).replace(WORD_JOINER, "")
    assert "<code>melody_path</code>" in html and "<img" not in html and "<a " not in html
    assert "a_b ![t](http://192.0.2.1/x).wav" in html.replace("&quot;", '"')


@given(st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=60))
def test_no_message_makes_an_element_but_code(typed: str):
    html = COMMONMARK.render(message(f"`steps` is wrong: {typed}"))
    assert set(re.findall(r"<(\w+)", html)) <= {"p", "code"}, html


def test_addresses_are_not_made_links():
    # GFM's autolink literals search the parsed text for these; none survives.
    for typed in ["www.evil.example", "ana@evil.example", "http://evil.example", ":smile:"]:
        escaped = as_markdown_text(typed)
        assert not re.search(r"(?i)www\.|\w@|:[^\s\u2060]", escaped), escaped
        assert escaped.replace(WORD_JOINER, "") == typed
