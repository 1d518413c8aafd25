"""scripts/nbval_cache.py: what nbval executed becomes the build's cache, only when faithful.

The book build renders the outputs nbval's kernel produced (make test), so
they must be what the build's own executor (nbclient) would have produced,
and nothing may be cached from a chapter that nbval did not pass whole.
Also the helpers of the quick loops: scripts/exec_cache.py and
scripts/subset_book.py with scripts/outside_refs.py.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from jupyter_cache import get_cache
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


def load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def notebook(*cells):
    nb = new_notebook(cells=[new_markdown_cell("# A chapter"), *cells])
    nb.metadata["kernelspec"] = KERNELSPEC
    return nb


def skipped(source, *tags):
    return new_code_cell(source, metadata={"tags": list(tags)})


GOOD = notebook(
    new_code_cell("import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\nprint('stdout again')"),
    new_code_cell("from IPython.display import HTML, display\ndisplay(HTML('<b>shown</b>'))\n{'a': 1}"),
    skipped("raise RuntimeError('a live widget cell')", "skip-execution", "nbval-skip"),
    new_code_cell("x = 6 * 7\nx"),
)
NOTEBOOKS = {
    "good": GOOD,
    "failing": notebook(new_code_cell("print('before')"), new_code_cell("assert 1 == 2, 'a claim that fails'")),
    # nbval runs a cell the build skips: its outputs are not the build's
    "skips_differ": notebook(new_code_cell("1"), skipped("2", "skip-execution")),
    "cleared": notebook(new_code_cell("from IPython.display import clear_output\nprint('a')\nclear_output()")),
}


@pytest.fixture(scope="module")
def nbval_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nbval_cache")
    for name, nb in NOTEBOOKS.items():
        nbformat.write(nb, tmp / f"{name}.ipynb")
    cache = tmp / "cache"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "--nbval-lax",
                             "-p", "scripts.nbval_cache", "--nbval-cache", str(cache),
                             *(f"{name}.ipynb" for name in sorted(NOTEBOOKS))],
                            cwd=tmp, capture_output=True, text=True, timeout=600, env=env)
    return tmp, cache, result


def cached(cache, nb):
    try:
        return get_cache(str(cache)).merge_match_into_notebook(nb)[1]
    except KeyError:
        return None


def comparable(outputs):
    return [{k: v for k, v in out.items() if k != "execution_count"} for out in outputs]


def test_nbval_still_fails_and_reports_as_before(nbval_run):
    _, _, result = nbval_run
    assert result.returncode == 1, result.stdout
    assert "a claim that fails" in result.stdout
    assert "1 failed" in result.stdout.splitlines()[-1]


def test_a_chapter_nbval_passed_is_cached_with_the_outputs_nbclient_gives(nbval_run):
    tmp, cache, result = nbval_run
    from_nbval = cached(cache, GOOD)
    assert from_nbval is not None, result.stdout
    reference = nbformat.from_dict(GOOD)
    NotebookClient(reference, timeout=120, resources={"metadata": {"path": str(tmp)}}).execute()
    mine = [c for c in from_nbval.cells if c.cell_type == "code"]
    theirs = [c for c in reference.cells if c.cell_type == "code"]
    assert [comparable(c.outputs) for c in mine] == [comparable(c.outputs) for c in theirs]
    assert [c.execution_count for c in mine] == [1, 2, None, 3]
    assert mine[3].outputs[0].execution_count == 3
    assert from_nbval.metadata["language_info"]["name"] == "python"


@pytest.mark.parametrize("name, reason", [("failing", "a test failed"),
                                          ("skips_differ", "nbval skips other cells than the build"),
                                          ("cleared", "cleared or updated output")])
def test_a_chapter_whose_outputs_would_not_be_the_builds_is_left_to_the_build(nbval_run, name, reason):
    _, cache, result = nbval_run
    assert cached(cache, NOTEBOOKS[name]) is None
    summary = [line for line in result.stdout.splitlines() if line.startswith("nbval-cache:")]
    assert summary and re.search(rf"{name}\.ipynb \([^)]*{reason}\)", summary[0]), result.stdout
    assert summary[0].startswith("nbval-cache: 1 of 4 chapters cached")


def test_exec_cache_is_emptied_when_the_package_changes(tmp_path, monkeypatch):
    exec_cache = load("exec_cache")
    for name in ("kdbook/a.py", "requirements.txt", "pyproject.toml"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    monkeypatch.setattr(exec_cache, "ROOT", tmp_path)
    cache = tmp_path / "_build" / ".jupyter_cache"

    def run():
        monkeypatch.setattr(sys, "argv", ["exec_cache.py", str(cache)])
        exec_cache.main()

    run()
    (cache / "entry").write_text("a cached chapter")
    run()
    assert (cache / "entry").exists(), "same inputs: the cache is kept"
    (tmp_path / "kdbook" / "__pycache__").mkdir()
    (tmp_path / "kdbook" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    run()
    assert (cache / "entry").exists(), "bytecode is not an input"
    (tmp_path / "kdbook" / "a.py").write_text("x = 2\n")
    run()
    assert not (cache / "entry").exists(), "kdbook/ changed: every chapter runs again"
    (cache / "entry").write_text("a cached chapter")
    (tmp_path / "requirements.txt").write_text("numpy\n")
    run()
    assert not (cache / "entry").exists(), "requirements.txt changed"


def test_a_subset_build_accepts_references_only_to_the_pages_it_leaves_out():
    subset = load("subset_book")
    outside = load("outside_refs")
    targets = subset.outside_targets({"intro", "chapters/04_angular_geometry", "reference/bibliography"})
    assert "chapters/05_theorem3" in targets["docs"] and "chapters/04_angular_geometry" not in targets["docs"]
    app = SimpleNamespace(config=SimpleNamespace(kdbook_outside_targets=targets))

    def resolve(reftype, target, refdoc="chapters/04_angular_geometry"):
        node = {"reftype": reftype, "reftarget": target, "refdoc": refdoc}
        return outside._outside(app, None, node, "contnode")

    assert resolve("doc", "05_theorem3") == "contnode"
    assert resolve("doc", "chapters/05_theorem3", refdoc="intro") == "contnode"
    assert resolve("doc", "no_such_page") is None, "a broken reference still fails the subset build"
    assert resolve("doc", "04_angular_geometry") is None, "a page in the build resolves by itself or fails"
    label = next(iter(targets["labels"]))
    assert resolve("ref", label) == "contnode"
    assert resolve("ref", "no-such-label") is None
