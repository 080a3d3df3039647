"""The shape of the code (DESIGN "Shape of the code"), read from the source with ast:
views reach another area only through its non-view modules, no import circles, every view
module is wired into its area's blueprint, the queue stays plain, one home for the cycle."""
import ast
from pathlib import Path

import pytest

from portal.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "portal"
AREAS = sorted(p.parent.name for p in PACKAGE.glob("*/views.py"))  # the packages with pages


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def _known(name: str) -> str:
    """The module an imported name lives in: the name itself, or its nearest parent."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports_of(module: str) -> set[str]:
    """Every portal module this one imports, at the top or inside a function. Importing
    one's own area package (for `bp`) is left out: Python imports it first anyway; the
    app factory (`portal` itself) is not left out."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                     for a in node.names]
        else:
            continue
        for name in names:
            if name == "portal" or name.startswith("portal."):
                target = _known(name)
                if target != module and (target == "portal" or not module.startswith(target + ".")):
                    found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def area_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in AREAS else None


def is_view_module(module: str) -> bool:
    name = module.rpartition(".")[2]
    return name == "views" or name.endswith("_views")


def test_the_areas_are_found():
    assert {"admin", "evidence", "reviews", "coverage", "search", "results"} <= set(AREAS)
    assert sum(is_view_module(m) for m in MODULES) >= 10


def test_no_view_module_imports_another_areas_views():
    crossings = sorted(f"{m} imports {t}" for m, targets in GRAPH.items() if is_view_module(m)
                       for t in targets if is_view_module(t) and area_of(t) != area_of(m))
    assert crossings == [], "views reach another area through its queries/operations, never its views"


def test_only_views_and_their_area_import_view_modules():
    importers = sorted(f"{m} imports {t}" for m, targets in GRAPH.items() for t in targets
                       if is_view_module(t) and not is_view_module(m) and m != f"portal.{area_of(t)}")
    assert importers == []


def cycles_in(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), plus self-imports."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_cycle_finder_finds_a_circle():
    assert cycles_in({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles_in({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_among_portal_modules():
    assert cycles_in(GRAPH) == []


@pytest.mark.parametrize("area", AREAS)
def test_every_view_module_is_wired_into_its_area_blueprint(area):
    view_modules = {m for m in MODULES if area_of(m) == area and is_view_module(m)}
    assert view_modules and view_modules <= GRAPH[f"portal.{area}"]


def test_no_area_imports_the_tasks_or_the_worker():
    importers = {m for m, targets in GRAPH.items() if targets & {"portal.tasks", "portal.worker"}}
    assert importers == {"portal"}  # create_app hands the tasks to the queue


def test_the_queue_and_the_after_commit_path_import_no_area():
    assert GRAPH["portal.queue"] <= {"portal.config"}
    assert GRAPH["portal.effects"] <= {"portal.queue", "portal.database", "portal.extensions",
                                       "portal.models.outbox", "portal.models.user"}


# What may hand work to the queue: the outbox (effects), the tasks' sweep, and the index
# repair's rebuild request; views, operations and commands record effects instead.
ENQUEUERS = {"portal.effects", "portal.tasks", "portal.search.repair"}


def enqueue_references(source: str) -> list[str]:
    """Every use of an enqueue helper (or of Huey's own enqueue) in this source: calls,
    imports, and references passed along."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.alias):
            name = node.name
        else:
            continue
        if name.startswith("enqueue"):
            found.append(f"line {node.lineno}: {name}")
    return found


def test_the_enqueue_finder_finds_calls_imports_and_references():
    source = "\n".join(["from portal.queue import enqueue_index", "from portal import queue",
                        "queue.enqueue_extraction(1, [])", "callback = queue.huey.enqueue",
                        "enqueue_index([1], [])", "queue.pending_count()"])
    uses = sorted(use.split(": ")[1] for use in enqueue_references(source))
    assert uses == ["enqueue", "enqueue_extraction", "enqueue_index", "enqueue_index"]


def test_only_the_outbox_the_sweep_and_the_index_repair_enqueue():
    outsiders = [f"{module} {use}" for module in sorted(MODULES) if module not in ENQUEUERS | {"portal.queue"}
                 for use in enqueue_references(MODULES[module].read_text())]
    assert outsiders == [], "record an effect (portal.effects.record) instead of enqueueing"


def test_only_portal_cycles_reads_the_configured_criteria_edition():
    readers = sorted(m for m, path in MODULES.items() if "CRITERIA_VERSION" in path.read_text())
    assert readers == ["portal.config", "portal.cycles"]


def test_nothing_but_the_worker_imports_the_app_factory():
    assert {m for m, targets in GRAPH.items() if "portal" in targets} == {"portal.worker"}
