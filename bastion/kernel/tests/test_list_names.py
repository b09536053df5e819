"""Names and phrases in running text are joined as the reader's language joins them, each escaped."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation


def render(source: str, **values: object) -> str:
    return Template("{% load kernel_lists %}" + source).render(Context(values))


def test_names_are_joined_by_the_languages_separator_and_escaped() -> None:
    teams = ["Sales East", "R&D <west>"]
    assert render("{{ teams|names }}", teams=teams) == "Sales East, R&amp;D &lt;west&gt;"
    with translation.override("zh-hans"):
        assert render("{{ teams|names }}", teams=["华东销售", "华西销售"]) == "华东销售、华西销售"
        loop = "{% for t in teams %}{{ t }}{% if not forloop.last %}{% list_separator %}{% endif %}{% endfor %}"
        assert render(loop, teams=teams) == "Sales East、R&amp;D &lt;west&gt;"
    assert render("{{ teams|names|default:'—' }}", teams=[]) == "—"


def test_phrases_are_set_apart_by_a_space_except_in_chinese() -> None:
    assert render("A.{% word_space %}B.") == "A. B."
    with translation.override("zh-hans"):
        assert render("甲。{% word_space %}乙。") == "甲。乙。"
