"""What `pip install .` promises: every third-party module scraped/ imports comes from a
distribution pyproject.toml declares (issue 12 found lxml, httpcore and httpx2 imported but
only present as someone else's dependency; the audit found cssselect the same way), and
`make bench` runs a script that exists and lists its runs.

The import scan reads the source (ast), not what happens to be imported at run time, so a
provider module that only the `ai` extra needs counts against that extra."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions

from tests.daemon_harness import REPO


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for deps in project.get("optional-dependencies", {}).values():
        specs += deps
    return {_norm(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0]) for spec in specs}


def _third_party_imports() -> dict[str, str]:
    """{top-level module: a file importing it} for every non-stdlib import in scraped/."""
    found: dict[str, str] = {}
    for path in sorted((REPO / "scraped").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("scraped", "__future__"):
                    found.setdefault(top, str(path.relative_to(REPO)))
    return found


def test_every_imported_distribution_is_declared():
    declared, owners = _declared(), packages_distributions()
    missing = {mod: where for mod, where in _third_party_imports().items()
               if not {_norm(d) for d in owners.get(mod, [])} & declared}
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_make_bench_runs_a_script_that_exists():
    recipe = (REPO / "Makefile").read_text().split("\nbench:", 1)[1].split("\n\n", 1)[0]
    script = re.search(r"\$\(BIN\)/python (\S+\.py)", recipe)
    assert script and (REPO / script.group(1)).is_file(), recipe
    listed = subprocess.run([sys.executable, script.group(1), "--list"], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert listed.returncode == 0 and listed.stdout.strip(), listed.stderr
