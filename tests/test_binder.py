"""The reader's Binder image (binder/): what it installs, and that it runs the chapters.

repo2docker cannot run here, so the tests rebuild what it builds: a fresh
virtual environment (Python 3.11, as binder/runtime.txt pins) from
binder/requirements.txt, then binder/postBuild from the repository root. The
line pointing pip at PyTorch's CPU index is set aside (no network here; these
machines serve the same CPU wheel, torch==2.13.0+cpu, from a local
directory). The environment has no myst-nb, as on Binder and Colab, so the
chapters run only if kdbook.book's glue fallback works. One environment per
test session (one pytest-xdist worker: make unit runs each file in one worker,
and the tests that use it share the xdist group "binder-env"): building it
takes a minute or two.
"""

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CPU_INDEX = re.compile(r"^--(extra-)?index-url\s+https://download\.pytorch\.org/whl/cpu/?$")
# Tools for building and testing the book: the reader's image must not carry them.
BUILD_TOOLS = {"jupyter-book", "sphinx", "myst-nb", "myst-parser", "nbval", "pytest", "ruff",
               "sphinx-proof", "sphinx-exercise", "sphinx-togglebutton", "sphinxcontrib-bibtex",
               "selenium", "jupyter-cache"}
# The chapter run end to end: small, with figures, glue and cross-references.
CHAPTER = ROOT / "chapters" / "04_angular_geometry.ipynb"


def binder_lines():
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def binder_requirements():
    return {Requirement(line).name.lower(): Requirement(line) for line in binder_lines() if not line.startswith("-")}


def test_binder_requirements_are_the_readers_packages_only():
    names = set(binder_requirements())
    assert not names & BUILD_TOOLS, f"build/test tools in the reader's image: {names & BUILD_TOOLS}"
    assert not {name for name in names if name.startswith(("sphinx", "myst", "pytest"))}
    options = [line for line in binder_lines() if line.startswith("-")]
    # A local reference (".", "-e .") would make repo2docker install after
    # copying the repository, i.e. reinstall everything on every commit.
    assert [line for line in options if not CPU_INDEX.match(line)] == [], options


def test_torch_is_pinned_to_the_cpu_wheel_from_the_cpu_index():
    assert any(CPU_INDEX.match(line) for line in binder_lines())
    torch = binder_requirements()["torch"]
    (spec,) = torch.specifier
    assert spec.operator == "==" and spec.version.endswith("+cpu"), spec
    # "==X+cpu" admits only the CPU build; a plain "==X" would also admit
    # the public index's CUDA build of the same version.
    assert not SpecifierSet(str(spec)).contains(spec.version.removesuffix("+cpu"))


def test_binder_covers_every_kdbook_dependency_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = binder_requirements()
    for dependency in map(Requirement, project["dependencies"]):
        name = dependency.name.lower()
        assert name in pinned, f"binder/requirements.txt lacks {name}"
        (spec,) = pinned[name].specifier
        assert spec.operator == "==", f"{name} is not pinned"
        assert dependency.specifier.contains(spec.version, prereleases=True), (name, spec, dependency.specifier)


def test_python_is_pinned_to_a_version_kdbook_accepts():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == "python-3.11"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert SpecifierSet(requires).contains("3.11")


def test_start_caps_the_thread_pools_and_runs_the_command():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    probe = 'echo "$OPENBLAS_NUM_THREADS $OMP_NUM_THREADS $MKL_NUM_THREADS"; exit 7'
    result = subprocess.run([BINDER / "start", "bash", "-c", probe], env=env, capture_output=True, text=True)
    assert result.returncode == 7, "start must exec the session's command and pass on its status"
    assert result.stdout.split() == ["1", "1", "1"]
    result = subprocess.run([BINDER / "start", "bash", "-c", probe], env={**env, "OMP_NUM_THREADS": "3"},
                            capture_output=True, text=True)
    assert result.stdout.split() == ["1", "3", "1"], "a value the session sets is kept"
    for name in ("start", "postBuild"):
        assert os.access(BINDER / name, os.X_OK), f"binder/{name} must be executable"


def reader_env(**extra):
    """This process's environment as the reader's image has it: no PYTHONPATH into this clone."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {**env, **extra}


def pip(python, *args, cwd=ROOT):
    result = subprocess.run([python, "-m", "pip", *args], cwd=cwd, capture_output=True, text=True, timeout=1800,
                            env=reader_env())
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="session")
def binder_python(tmp_path_factory):
    """Python of a fresh environment built the way repo2docker builds the image."""
    tmp = tmp_path_factory.mktemp("binder")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    local = tmp / "requirements.txt"
    local.write_text("\n".join(line for line in binder_lines() if not CPU_INDEX.match(line)) + "\n")
    # The Binder base image brings the notebook server and a kernel; nbclient
    # stands in for the reader pressing "run all". One pip run resolves them
    # with the reader's packages (the wheels come from pip's cache once
    # `make install` has downloaded them); `pip check` below checks the result.
    pip(python, "install", "--quiet", "--no-compile", "-r", local, "ipykernel", "nbclient")
    env = reader_env(PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run([BINDER / "postBuild"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return python


def run_in(python, code, **env):
    # Not from the repository root, where `import kdbook` would find the
    # source tree whether or not the environment has the package.
    result = subprocess.run([python, "-c", code], cwd=python.parents[2], capture_output=True, text=True, timeout=900,
                            env=reader_env(**env))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result.stdout


@pytest.mark.binder
@pytest.mark.xdist_group("binder-env")  # one worker builds the environment (also under --dist loadgroup)
def test_binder_environment_is_consistent_and_has_no_myst_nb(binder_python):
    pip(binder_python, "check")
    out = run_in(binder_python, "import importlib.util, sys, torch, kdbook, kdbook.explore\n"
                 "print(importlib.util.find_spec('myst_nb') is None, sys.version_info[:2] == (3, 11),\n"
                 "      torch.__version__.endswith('+cpu'), kdbook.__file__)")
    no_myst, py311, cpu_torch, location = out.split()
    assert (no_myst, py311, cpu_torch) == ("True", "True", "True"), out
    assert Path(location) == ROOT / "kdbook" / "__init__.py", "postBuild installs this clone, editable"


def strip_magics(source):
    """A code cell as Python: IPython magics and shell escapes become ``pass``."""
    return "\n".join(re.sub(r"^(\s*)[%!].*$", r"\1pass", line) for line in source.splitlines())


def chapter_imports():
    statements = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse(strip_magics("".join(cell["source"])))):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    statements.append((path.name, ast.unparse(node)))
    return statements


def test_every_chapter_import_is_found_by_the_parser():
    imports = chapter_imports()
    chapters = {name for name, _ in imports}
    assert chapters == {p.name for p in (ROOT / "chapters").glob("*.ipynb")}
    assert any(stmt.startswith(("from kdbook", "import kdbook")) for _, stmt in imports)


@pytest.mark.binder
@pytest.mark.xdist_group("binder-env")  # one worker builds the environment (also under --dist loadgroup)
def test_binder_environment_imports_every_chapter_module(binder_python):
    script = (
        "import json, sys\n"
        "failed = []\n"
        "for chapter, stmt in json.loads(sys.stdin.read()):\n"
        "    try:\n"
        "        exec(stmt, {})\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{chapter}: {stmt} -> {type(exc).__name__}: {exc}')\n"
        "print(json.dumps(failed))\n"
    )
    result = subprocess.run([binder_python, "-c", script], cwd=binder_python.parents[2],
                            input=json.dumps(chapter_imports()), capture_output=True, text=True, timeout=900,
                            env=reader_env(MPLBACKEND="Agg"))
    assert result.returncode == 0, result.stderr[-3000:]
    failed = json.loads(result.stdout.strip().splitlines()[-1])
    assert failed == [], "\n".join(failed)


@pytest.mark.binder
@pytest.mark.xdist_group("binder-env")  # one worker builds the environment (also under --dist loadgroup)
def test_binder_environment_runs_a_chapter_end_to_end(binder_python, tmp_path):
    # MPLBACKEND=Agg as on a headless server: figures must still appear.
    executed = tmp_path / CHAPTER.name
    script = (
        "import sys, nbformat\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "NotebookClient(nb, timeout=600, kernel_name='python3',\n"
        "               resources={'metadata': {'path': sys.argv[3]}}).execute()\n"
        "nbformat.write(nb, sys.argv[2])\n"
    )
    env = reader_env(MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    result = subprocess.run([binder_python, "-c", script, CHAPTER, executed, CHAPTER.parent], cwd=tmp_path,
                            capture_output=True, text=True, timeout=1200, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    cells = [c for c in json.loads(executed.read_text())["cells"] if c["cell_type"] == "code"]
    assert not [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    figures = [c for c in cells if "figure" in c["metadata"].get("mystnb", {})]
    assert figures, f"{CHAPTER.name} has no labelled figure to check"
    for cell in figures:
        # A matplotlib figure shows as a PNG; an explorable (the chapter's interactive figure) as HTML
        # whose first frame is an inline PNG.
        shown = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})
                 or "data:image/" in "".join(o.get("data", {}).get("text/html", ""))]
        assert shown, f"figure {cell['metadata']['mystnb']['figure'].get('name')} was not shown"
