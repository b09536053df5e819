"""DESIGN.md rule 2: views, API modules and forms never touch ``Model.objects`` directly.

They read through selectors and ``access_*`` functions (which start from
``objects.visible_to(user)``) and write through actions. This test parses every
``views*.py``, ``api*.py`` and ``forms*.py`` under ``bastion/`` (also inside ``views/``-style
packages) and fails on any ``<something>.objects``, ``._default_manager``, ``._base_manager``
or ``getattr(<something>, "objects")``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "bastion"
LAYER_PREFIXES = ("views", "api", "forms")
MANAGER_ATTRIBUTES = frozenset({"objects", "_default_manager", "_base_manager"})


def is_thin_layer(path: Path) -> bool:
    """views.py, views_companies.py, api.py, api_serializers.py, forms.py, or any module in views/, api/, forms/."""
    if "migrations" in path.parts or "tests" in path.parts:
        return False
    return path.stem.startswith(LAYER_PREFIXES) or any(part in LAYER_PREFIXES for part in path.parent.relative_to(ROOT).parts)


def _is_manager_access(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in MANAGER_ATTRIBUTES
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"getattr", "hasattr"}
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and node.args[1].value in MANAGER_ATTRIBUTES
    )


def manager_uses(source: str, filename: str = "<snippet>") -> list[str]:
    """Every direct manager access in ``source``, as ``"file:line: text"``."""
    tree = ast.parse(source, filename=filename)
    return [f"{filename}:{node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree) if _is_manager_access(node)]  # type: ignore[attr-defined]


def thin_layer_files() -> list[Path]:
    return sorted(path for path in ROOT.rglob("*.py") if is_thin_layer(path))


def test_views_api_and_forms_never_use_a_manager_directly() -> None:
    files = thin_layer_files()
    assert any(path.name == "views_contacts.py" for path in files)  # the scan really covers the directory
    assert any(path.name == "api.py" for path in files) and any(path.name == "forms.py" for path in files)
    problems = [use for path in files for use in manager_uses(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert problems == [], "Use a selector or an access_* function instead:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "snippet",
    [
        "Company.objects.all()",
        "def view(request):\n    return Contact.objects.filter(pk=1).first()",
        "rows = get_user_model().objects.filter(is_active=True)",
        "qs = models.Contact.objects",
        "Contact._default_manager.all()",
        "Contact._base_manager.all()",
        "manager = getattr(Contact, 'objects')",
        "class Form:\n    queryset = Tag.objects.none()",
    ],
)
def test_checker_catches_direct_manager_use(snippet: str) -> None:
    assert manager_uses(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "selectors.contact_page(request.user, filters, page)",
        "access_company_by_id(request.user, pk)",
        "objects = 3\nprint(objects)",  # a plain name is not a manager
        "text = 'Company.objects.all()'",  # nor is a string
    ],
)
def test_checker_allows_selectors_and_access_functions(snippet: str) -> None:
    assert manager_uses(snippet) == []


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("directory/views.py", True),
        ("directory/views_contacts.py", True),
        ("directory/api_serializers.py", True),
        ("directory/forms.py", True),
        ("sales/views/deals.py", True),
        ("directory/selectors.py", False),
        ("directory/actions.py", False),
        ("directory/tests/test_views.py", False),
    ],
)
def test_which_files_are_thin_layers(relative: str, expected: bool) -> None:
    assert is_thin_layer(ROOT / relative) is expected
