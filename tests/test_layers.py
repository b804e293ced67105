"""The layers go one way: shell → stages → records (docs/architecture.md, "Layers").

Every import statement of every module is parsed (lazy imports inside functions included), so
a stage that reaches up into the shell, or a stage that leans on another stage, fails here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"records", "crawler", "matcher", "digests", "fondsradar"}
# What each package may import of ours (besides itself).
ALLOWED = {
    "records": set(),
    "crawler": {"records"},
    "matcher": {"records"},
    "digests": {"records"},
    "fondsradar": {"records", "crawler", "matcher", "digests"},
}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) for every absolute import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, target in imports_of(path)
        if target in OURS and target != package and target not in ALLOWED[package]
    ]
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    """The parser catches lazy imports too (the test above must be able to fail)."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from fondsradar.config import load_config\n")
    assert imports_of(module) == [(2, "fondsradar")]


def test_importing_the_stages_does_not_import_the_shell() -> None:
    code = ("import sys, crawler.pipelines, crawler.spiders.erasmus, crawler.settings, "
            "matcher, digests, records.store; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'fondsradar'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"
