"""The shape of the house: no import cycles between modules or rooms, streamlit only in medapp/ui,
and no training code imported when the registered models are loaded for inference.

The import graph is read from the source with `ast` (module-level and function-level imports,
relative imports resolved, `if TYPE_CHECKING:` blocks left out), so a cycle hidden inside a
function body is found as well as one at the top of a file.
"""
from __future__ import annotations

import ast
import functools
import os
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from medapp.registry import list_cards

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "medapp"


def module_files() -> dict[str, Path]:
    """medapp's modules by dotted name (a package by the name of its __init__)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Every Import/ImportFrom in the tree, at any depth, except under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)  # the else branch runs at run time
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The longest medapp module that `name` (a module, or a name inside one) lies in."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> tuple[set[str], set[str]]:
    """(medapp modules this module imports, top-level names of every other package it imports)."""
    is_package = path.name == "__init__.py"
    inside, outside = set(), set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from pkg import name`: name is a submodule or something defined in pkg
            targets = [f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in modules else prefix
                       for alias in node.names]
        for target in targets:
            if target == "medapp" or target.startswith("medapp."):
                known = _known(target, modules)
                if known is not None and known != module:
                    inside.add(known)
            else:
                outside.add(target.split(".")[0])
    inside |= late_bound_imports(module, path, modules)
    return inside, outside


def late_bound_imports(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """medapp modules a module names in a string to import later: `importlib.import_module("medapp.x.y")`, a
    registry's "medapp.render.text:figure" or "medapp.modalities.audio.train". An onboarding review added a cycle
    through `import_module` and the graph did not see it. Names built at run time (f-strings) are plugin points,
    listed by `plugin_points` and held to the ones declared below."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            name, colon, _ = node.value.partition(":")
            # "medapp.db" is also the database's file name and "medapp.service" a logger's: a bare name of one
            # part below medapp is not read as a module unless a spec ("module:function") says so
            if name in modules and name.startswith("medapp.") and (colon or name.count(".") >= 2):
                found.add(name)
    found.discard(module)
    return found


def plugin_points(path: Path) -> set[str]:
    """Module names a module builds at run time to import, as patterns: f"medapp.modalities.{modality}.deid" is
    "medapp.modalities.{}.deid"."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant) \
                and str(node.values[0].value).startswith("medapp."):
            found.add("".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values))
    return found


# The only module names built at run time: a modality's model (the registry loads a card's modality), its
# de-identifier (the case store de-identifies what it keeps) and its trainer (`train <id>`). Both are the modalities' side of a contract; the
# modules they name may import the registry and the store's lower rooms, so they are not edges of the graph.
PLUGIN_POINTS = {
    "medapp.registry": {"medapp.modalities.{}.model"},
    "medapp.cases.store": {"medapp.modalities.{}.deid"},
    "medapp.training": {"medapp.modalities.{}.train"},
}


@functools.cache
def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    modules = module_files()
    graph, external = {}, {}
    for name, path in modules.items():
        graph[name], external[name] = imports_of(name, path, modules)
    return graph, external


def room(module: str) -> str:
    """The top-level subpackage or module of medapp; each modality is a room of its own."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] == "modalities":
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def room_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    rooms: dict[str, set[str]] = {}
    for module, targets in graph.items():
        rooms.setdefault(room(module), set()).update(room(t) for t in targets if room(t) != room(module))
    return rooms


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan), each sorted; [] when acyclic."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _one_cycle(graph: dict[str, set[str]]) -> str:
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        return " -> ".join(reversed(exc.args[1]))
    return ""


# -- the tests -------------------------------------------------------------------------------------------------
def test_graph_reader_sees_relative_function_level_imports_and_skips_type_checking(tmp_path):
    modules = {"medapp": tmp_path / "__init__.py", "medapp.a": tmp_path / "a" / "__init__.py",
               "medapp.a.b": tmp_path / "a" / "b.py", "medapp.c": tmp_path / "c.py", "medapp.d": tmp_path / "d.py"}
    source = ("from typing import TYPE_CHECKING\nfrom ..c import thing\n"
              "if TYPE_CHECKING:\n    from medapp import d\n"
              "def f():\n    from . import b\n    import numpy.linalg\n")
    path = tmp_path / "a" / "x.py"
    path.parent.mkdir()
    path.write_text(source)
    modules["medapp.a.x"] = path
    inside, outside = imports_of("medapp.a.x", path, modules)
    assert inside == {"medapp.c", "medapp.a.b"}
    assert outside == {"typing", "numpy"}
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert room("medapp.modalities.audio.model") == "medapp.modalities.audio"
    assert room("medapp.cases.store") == "medapp.cases"


def test_modules_imported_by_a_name_in_a_string_are_in_the_graph_and_built_names_are_declared(tmp_path):
    modules = {"medapp": tmp_path / "__init__.py", "medapp.db": tmp_path / "db.py",
               "medapp.security.uploads": tmp_path / "uploads.py", "medapp.render.text": tmp_path / "text.py"}
    path = tmp_path / "x.py"
    path.write_text('import importlib\nDB = "medapp.db"\nR = {"text": "medapp.render.text:figure"}\n'
                    'def f(m):\n    importlib.import_module("medapp.security.uploads")\n'
                    '    return importlib.import_module(f"medapp.modalities.{m}.model")\n')
    modules["medapp.x"] = path
    assert imports_of("medapp.x", path, modules)[0] == {"medapp.security.uploads", "medapp.render.text"}
    assert plugin_points(path) == {"medapp.modalities.{}.model"}
    built = {m: points for m, p in module_files().items() if (points := plugin_points(p))}
    assert built == PLUGIN_POINTS, "a module name built at run time is a plugin point: declare it in PLUGIN_POINTS"


def test_no_import_cycle_between_modules():
    graph, _ = import_graph()
    assert len(graph) > 100  # the reader found the package
    found = cycles(graph)
    assert found == [], f"import cycles between modules: {found}; for example {_one_cycle(graph)}"


def test_no_import_cycle_between_rooms():
    rooms = room_graph(import_graph()[0])
    assert {"medapp.cases", "medapp.security", "medapp.db", "medapp.modalities.imaging"} <= set(rooms)
    found = cycles(rooms)
    assert found == [], f"import cycles between rooms: {found}; for example {_one_cycle(rooms)}"


def test_security_and_the_database_do_not_import_cases():
    rooms = room_graph(import_graph()[0])
    assert "medapp.cases" not in rooms["medapp.security"]
    assert rooms["medapp.db"] <= {"medapp.config", "medapp.types"}


def test_only_the_ui_imports_streamlit():
    _, external = import_graph()
    offenders = sorted(m for m, names in external.items() if "streamlit" in names and room(m) != "medapp.ui")
    assert offenders == []


def _is_training(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return module.startswith("medapp.") and (last in ("train", "training") or last.startswith("train_"))


def _reachable(graph: dict[str, set[str]], start: set[str]) -> set[str]:
    seen, todo = set(), list(start)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


def test_inference_code_reaches_no_training_module_in_the_source():
    """Fast and conservative: every import the registry and each registered modality's model.py can make,
    function-level ones included, whether or not a given load runs them."""
    graph, _ = import_graph()
    entry = {"medapp.registry", "medapp.analysis"} | {f"medapp.modalities.{c.modality}.model" for c in list_cards()}
    assert entry <= set(graph)
    reached = _reachable(graph, entry)
    assert sorted(m for m in reached if _is_training(m)) == []


@pytest.mark.slow  # loads and warms every registered model in a fresh process (tests/conftest.py)
def test_loading_every_model_for_inference_imports_no_training_code(fresh_inference_process):
    result = fresh_inference_process
    assert len(result["loaded"]) >= 10
    assert "medapp.modalities.imaging.model" in result["modules"]
    assert [m for m in result["modules"] if _is_training(m)] == []


@pytest.mark.slow  # the same fresh process
def test_loading_every_model_writes_no_tensorflow_start_up_lines(fresh_inference_process):
    # TensorFlow printed "oneDNN custom operations are on ..." twice, with absl's note, on every command that
    # touched the heart-sound model, whatever TF_CPP_MIN_LOG_LEVEL said (modalities/audio/quiet_import.py)
    lines = fresh_inference_process["stderr"].splitlines()
    assert "medapp.modalities.audio.model" in fresh_inference_process["modules"]
    assert [line for line in lines if "oneDNN" in line or "absl::InitializeLog" in line] == []


def test_the_sign_in_screen_imports_no_model_library_and_hashes_nothing():
    """What app.py imports before a user has signed in. sklearn (through the Models page's ROC figure) and an argon2
    hash made at import (0.6 s of CPU) cost the first page about 2.5 s before the user could type."""
    imports = [line for line in (ROOT / "app.py").read_text().splitlines() if line.startswith(("import ", "from "))]
    probe = "\n".join(["import sys", *imports, "from medapp.security import accounts",
                       "print(sorted(m for m in ('sklearn', 'torch', 'tensorflow', 'shap') if m in sys.modules), "
                       "accounts._dummy_hash.cache_info().currsize)"])
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "0"]
