"""Sizes: no module of `faceadmin/` over 600 lines without a written reason, no function over 60.

A module may be longer when the first lines of its docstring say why, in a line starting
with "Size:". Migrations are generated and not counted. The check reads the source (AST),
imports nothing, and lists every offender at once.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "faceadmin"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
# How many lines of the module docstring may hold the "Size:" reason.
REASON_WITHIN = 12


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def _has_size_reason(tree: ast.Module) -> bool:
    docstring = ast.get_docstring(tree) or ""
    head = docstring.splitlines()[:REASON_WITHIN]
    return any(line.strip().startswith("Size:") for line in head)


def test_no_module_over_600_lines_without_a_reason() -> None:
    too_long = []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES and not _has_size_reason(ast.parse(source)):
            too_long.append(f"{_name(path)}: {lines} lines")
    assert not too_long, "Modules over 600 lines without 'Size:' in their docstring:\n" + (
        "\n".join(too_long)
    )


def test_no_function_over_60_lines() -> None:
    too_long = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                # From the `def` line (decorators not counted) to the last line of the body.
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long.append(f"{_name(path)}:{node.lineno} {node.name}: {lines} lines")
    assert not too_long, "Functions over 60 lines:\n" + "\n".join(too_long)
