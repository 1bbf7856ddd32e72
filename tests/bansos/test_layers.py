"""The rooms of the code and the way imports run between them (the README's map): a module
imports only from its own room or the rooms below it, and the matcher imports no Django."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A module belongs to the first room with a prefix of its name (the longest
# prefixes are listed where a package is split between rooms).
ROOMS = [
    ("plumbing", ["bansos.bulk", "bansos.memory", "bansos.commands", "bansos.middleware",
                  "bansos.paging", "bansos.settings", "bansos.celery", "bansos.context_processors",
                  "bansos.health", "bansos.formats", "bansos.wsgi", "bansos"]),
    ("households", ["households"]),
    ("matcher", ["dedup.engine"]),
    ("intake", ["programs.models", "programs.admin", "programs.apps", "programs.management",
                "programs.intake", "programs"]),
    ("accounts", ["accounts"]),
    ("cross-check", ["dedup"]),
    ("complaints", ["complaints"]),
    ("rounds", ["programs.rounds", "programs.tasks", "programs.urls"]),
    ("verification", ["verification"]),
    ("distribution", ["distribution"]),
    ("audit", ["audit"]),
    ("pages", ["bansos.views", "bansos.urls"]),
    ("demo", ["demo"]),
]  # fmt: skip
PACKAGES = (
    "bansos", "households", "accounts", "programs", "dedup", "complaints", "verification",
    "distribution", "audit", "demo",
)  # fmt: skip


def room(module: str) -> int:
    matches = [
        (len(prefix), rank)
        for rank, (_name, prefixes) in enumerate(ROOMS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    return max(matches)[1]


def modules():
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


def imports(path: Path, name: str):
    """The modules `path` (module `name`) imports: `from a import b` names a.b when b is a
    module, and relative imports are resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                module = f"{base}.{alias.name}"
                yield (
                    module
                    if (ROOT / Path(*module.split("."))).with_suffix(".py").exists()
                    or (ROOT / Path(*module.split(".")) / "__init__.py").exists()
                    else base
                )
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_imports_run_from_higher_rooms_to_lower_ones_only():
    upward = [
        f"{name} ({ROOMS[room(name)][0]}) imports {target} ({ROOMS[room(target)][0]})"
        for name, path in modules()
        for target in imports(path, name)
        if target.split(".")[0] in PACKAGES and room(target) > room(name)
    ]
    assert upward == []


def test_the_matcher_runs_without_django():
    """The engine (and the plain-Python rules it borrows from households.address) loads in an
    interpreter where Django is never imported: it can be tested and profiled alone."""
    code = (
        "import sys, dedup.engine.match, dedup.engine.normalize, dedup.engine.families; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'django', 'programs'}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
