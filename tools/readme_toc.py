"""The README's table of contents, generated from its ``##`` and ``###`` headings.

Links use GitHub's heading anchors: the heading lowercased, every character that is not a letter, digit, space,
``-`` or ``_`` dropped, spaces turned into ``-``; a repeated anchor gets ``-1``, ``-2``, ... Headings inside fenced
code blocks are not headings.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

from .generated import ROOT, write_or_check

README = ROOT / "README.md"
START, END = "<!-- toc:start -->", "<!-- toc:end -->"


def headings(markdown: str) -> list[tuple[int, str]]:
    """``(level, text)`` of every ``##``/``###`` heading outside code fences."""
    found, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"^(#{2,3}) (.+?)\s*$", line)):
            found.append((len(match.group(1)), match.group(2)))
    return found


def anchor(text: str) -> str:
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def toc_markdown(markdown: str) -> str:
    seen: Counter[str] = Counter()
    lines = [START, "**Contents**", ""]
    for level, text in headings(markdown):
        slug = anchor(text)
        link = slug if not seen[slug] else f"{slug}-{seen[slug]}"
        seen[slug] += 1
        lines.append(f"{'  ' * (level - 2)}- [{text.replace('`', '')}](#{link})")
    return "\n".join([*lines, END])


def readme_with_toc(readme: str) -> str:
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return head + toc_markdown(readme) + tail


def main(argv: list[str] | None = None) -> int:
    return write_or_check(__doc__ or "", {README: readme_with_toc(README.read_text())}, argv)


if __name__ == "__main__":
    sys.exit(main())
