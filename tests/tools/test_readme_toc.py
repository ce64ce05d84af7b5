"""The README's table of contents (tools/readme_toc.py): current, and linking with GitHub's anchors."""

from __future__ import annotations

from tools.readme_toc import README, anchor, headings, readme_with_toc, toc_markdown


def test_table_of_contents_in_readme_is_current():
    assert README.read_text() == readme_with_toc(README.read_text()), "run `make docs`"


def test_anchors_are_githubs():
    assert anchor("0.1.0 → 0.2.0: the ACK options moved under `alicloud`") == "010--020-the-ack-options-moved-under-alicloud"
    assert anchor("Capacity and cost what-if") == "capacity-and-cost-what-if"
    assert anchor("3. Use the component package from TypeScript, Go, C#, Java or YAML") == \
        "3-use-the-component-package-from-typescript-go-c-java-or-yaml"


def test_fenced_lines_are_not_headings_and_repeats_are_numbered():
    markdown = "## A\n```sh\n## not a heading\n```\n### B\n## A\n"
    assert headings(markdown) == [(2, "A"), (3, "B"), (2, "A")]
    toc = toc_markdown(markdown)
    assert "- [A](#a)\n  - [B](#b)\n- [A](#a-1)" in toc
