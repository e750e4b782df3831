"""The import rule for kb/: no cycle, no layer importing upward, wrapped libraries in their few modules."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "kb"

# Bottom to top: a module may import its own layer and the layers below it, never one above.
# docs/architecture.md shows this map; keep the two alike.
LAYERS: dict[str, tuple[str, ...]] = {
    "base": ("errors", "settings", "roles", "files"),  # flat modules at the top of kb/
    "content": ("content",),  # and one sub-package per layer above it
    "statutes": ("statutes",),
    "search": ("search",),
    "workflow": ("workflow",),
    "rendering": ("rendering",),
}

# Upward imports that exist today; issue 19 removes them. A new upward import fails the test,
# and so does an entry here once its import is gone (so the list stays true).
KNOWN_UPWARD: set[tuple[str, str]] = set()

# Each wrapped library and the only kb modules that may import it (the README's English section says the same).
WRAPPED = {
    "whoosh": {
        "search.analysis",
        "search.engine",
        "search.fastpath",
        "search.filters",
        "search.index",
        "search.matching",
        "search.querylang",
        "search.searchers",
        "search.writers",
    },
    "jieba": {"search.analysis"},
    "pypinyin": {"search.spelling"},
    "weasyprint": {"rendering.pdf"},
    "mammoth": {"content.wordfile"},
    "markdownify": {"content.wordfile"},
    "openpyxl": {"rendering.workbook"},
}
FORBIDDEN = ("streamlit", "click")


def _module_name(path: Path) -> str:
    parts = path.relative_to(KB).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts) or "__init__"


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every imported module's dotted name with its line, at top level and inside functions."""
    package = list(path.parent.relative_to(KB).parts)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against kb's own package path
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(["kb", *base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from kb import analysis` imports the module kb.search.analysis.
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names if module.startswith("kb")]
    return found


def _graph() -> dict[str, dict[str, int]]:
    """kb module → {kb module it imports: first line}."""
    modules = {_module_name(p): p for p in sorted(KB.rglob("*.py"))}
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges: dict[str, int] = {}
        for line, imported in _imports(path):
            if not imported.startswith("kb."):
                continue
            target = imported.removeprefix("kb.")
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                edges.setdefault(target, line)
        graph[name] = edges
    return graph


def _layer_of(module: str) -> str | None:
    """The declared layer of a base module, or of the sub-package that holds it."""
    for layer, members in LAYERS.items():
        if module.split(".")[0] in members:
            return layer
    return None


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    # Hand-rolled rather than a graph library: 30 lines, and no new test dependency for one check.
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_layer_check_sees_imports_inside_functions(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text("def f():\n    from kb.b import x\n", encoding="utf-8")
    (tmp_path / "b.py").write_text("from kb import a\n", encoding="utf-8")
    monkeypatch.setitem(globals(), "KB", tmp_path)
    graph = _graph()
    assert graph == {"a": {"b": 2}, "b": {"a": 1}}
    assert _cycles(graph) == [["a", "b"]]


def test_kb_has_no_import_cycle():
    cycles = _cycles(_graph())
    assert cycles == [], "import cycles in kb/: " + "; ".join(" ⇄ ".join(c) for c in cycles)


def test_every_kb_module_has_a_declared_layer():
    missing = sorted(m for m in _graph() if m != "__init__" and _layer_of(m) is None)
    assert missing == [], f"declare these modules' layer in tests/test_layers.py LAYERS: {missing}"


def test_no_kb_module_imports_a_layer_above_its_own():
    order = list(LAYERS)
    upward = set()
    for module, edges in _graph().items():
        mine = _layer_of(module)
        for target in edges:
            theirs = _layer_of(target)
            if mine and theirs and order.index(theirs) > order.index(mine):
                upward.add((module, target))
    new = sorted(
        f"kb/{m.replace('.', '/')}.py:{_graph()[m][t]}: {m} ({_layer_of(m)}) imports {t} ({_layer_of(t)})"
        for m, t in upward - KNOWN_UPWARD
    )
    assert new == [], "upward imports:\n" + "\n".join(new)
    assert sorted(KNOWN_UPWARD - upward) == [], "fixed: remove these from KNOWN_UPWARD"


def _third_party_imports() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(KB.rglob("*.py")):
        for line, imported in _imports(path):
            found.append((_module_name(path), line, imported.split(".")[0]))
    return found


def test_kb_never_imports_the_ui_or_cli_libraries():
    bad = [
        f"kb/{m.replace('.', '/')}.py:{line}: imports {lib}"
        for m, line, lib in _third_party_imports()
        if lib in FORBIDDEN
    ]
    assert bad == [], "\n".join(bad)


def test_wrapped_libraries_stay_in_their_modules():
    bad = [
        f"kb/{m.replace('.', '/')}.py:{line}: imports {lib}; only {sorted(WRAPPED[lib])} may"
        for m, line, lib in _third_party_imports()
        if lib in WRAPPED and m not in WRAPPED[lib]
    ]
    assert bad == [], "\n".join(bad)


@pytest.mark.parametrize("library", sorted(WRAPPED))
def test_the_readme_names_the_modules_that_import_each_wrapped_library(library):
    english = (ROOT / "README.md").read_text(encoding="utf-8").split("## English", 1)[1]
    said = re.search(rf"{library} only in ([^;]+);", english)
    assert said is not None, f"README English section: say where {library} is imported"
    named = re.findall(r"`kb/([\w/]+)\.py`", said.group(1))
    assert {n.replace("/", ".") for n in named} == WRAPPED[library]


def test_the_architecture_page_shows_the_same_layers():
    """Each row: the layer, its modules or package, and (for a package) every module in it."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    shown, listed = {}, {}
    for layer, where, modules in re.findall(r"^\| (\w+) \| (`.+?) \| (.*?) \|", page, flags=re.MULTILINE):
        shown[layer] = tuple(re.findall(r"`(?:kb/)?(\w+)/?`", where))
        listed[layer] = set(re.findall(r"`(\w+)`", modules))
    assert shown == LAYERS
    for layer, (package, *_) in LAYERS.items():
        if (KB / package).is_dir():
            on_disk = {p.stem for p in (KB / package).glob("*.py") if p.stem != "__init__"}
            assert listed[layer] == on_disk, f"docs/architecture.md: the {layer} row lists {sorted(listed[layer])}"
