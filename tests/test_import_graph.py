"""The package's imports point one way: a cycle between dlr's modules fails this test (docs/architecture.md).

Imports are read with ``ast`` (module level and inside functions alike), so a cycle dodged with a late import
still counts.
"""

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "dlr"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The dlr modules that ``path`` imports, resolved to the longest known module name."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name.startswith("dlr"):
                found.add(name)
    return found


def import_graph() -> nx.DiGraph:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        for target in imported_modules(path, set(files)):
            # A package's __init__ is loaded on the way to any of its modules; that is not an arrow back.
            if target != name and not name.startswith(target + "."):
                graph.add_edge(name, target)
    return graph


def test_no_import_cycles():
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c + c[:1]) for c in cycles[:10])


# docs/architecture.md's layers, top (drivers) to bottom (base), by folder; a module loose at the top of
# dlr/ (records, errors, console, ...) is in the base.
LAYERS = {
    "dlr": 0,  # the package's face: the Python API
    "dlr.api": 0,
    "dlr.experiments": 1,
    "dlr.run": 2,
    "dlr.tasks": 3,
    **dict.fromkeys(("dlr.transfer", "dlr.quant"), 4),
    **dict.fromkeys(("dlr.data", "dlr.nets", "dlr.analysis", "dlr.tabular"), 5),
    "dlr.config": 6,
    "dlr.patches": 7,
}
BASE = 6
STUDIES = "dlr.studies"
#: What the studies (which read run directories after a sweep) may import, and which layer may import them.
STUDIES_READ, STUDIES_READ_BY = (5, 6, 7), (0, 1)


def layer(module: str) -> int | str:
    if module == STUDIES or module.startswith(STUDIES + "."):
        return STUDIES
    return LAYERS.get(".".join(module.split(".")[:2]), BASE)


def test_imports_point_down_the_layers():
    upward = []
    for source, target in import_graph().edges:
        above, below = layer(source), layer(target)
        if above == STUDIES and below != STUDIES:
            allowed = below in STUDIES_READ
        elif below == STUDIES and above != STUDIES:
            allowed = above in STUDIES_READ_BY
        else:
            allowed = above == STUDIES or below >= above
        if not allowed:
            upward.append(f"{source} ({above}) -> {target} ({below})")
    assert not upward, "imports that point up docs/architecture.md's layers: " + "; ".join(sorted(upward))


def test_at_most_eight_modules_are_loose_at_the_top_of_the_package():
    loose = sorted(path.name for path in PACKAGE.glob("*.py") if path.name != "__init__.py")
    assert len(loose) <= 8, f"{len(loose)} modules loose at the top of dlr/: {loose}"
