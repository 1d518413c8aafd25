"""The book's settings stay consistent with the package."""

import json
import os
import re
import subprocess
from pathlib import Path

import yaml

import kdbook

ROOT = Path(__file__).resolve().parents[1]


def test_repository_url_is_set_once_and_used_everywhere():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    assert kdbook.REPOSITORY_URL == url
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        sources = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
        install = [s for s in sources if "pip install" in s]
        assert install, f"{path.name} lacks the Colab install cell"
        assert f"git+{url}" in install[0], f"{path.name} installs from another repository"


def test_every_toc_file_exists_and_every_chapter_is_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    files = [line.split("file:")[1].strip() for line in toc.splitlines() if "file:" in line]
    for name in files:
        assert any((ROOT / f"{name}{suffix}").exists() for suffix in (".md", ".ipynb")), name
    for path in (ROOT / "chapters").glob("*.ipynb"):
        assert f"chapters/{path.stem}" in files, f"{path.name} is not in _toc.yml"


def test_build_fails_on_errors():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["raise_on_error"] is True
    assert config["execute"]["allow_errors"] is False
    assert "-n -W --keep-going" in (ROOT / "Makefile").read_text()


def _top_level_scripts(tex):
    """The sub/superscript characters of ``tex`` outside any braces."""
    depth, found = 0, set()
    for char in tex:
        depth += char == "{"
        depth -= char == "}"
        if depth == 0 and char in "^_":
            found.add(char)
    return found


def test_mathjax_is_served_with_the_book_not_from_a_cdn():
    sphinx = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]
    path = sphinx["config"]["mathjax_path"]
    assert "://" not in path and not path.startswith("/"), "MathJax must load by a relative path"
    assert sphinx["local_extensions"]["mathjax_local"] == "_static"
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("mathjax_local", ROOT / "_static" / "mathjax_local.py")
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    assert path == "mathjax/" + module.MATHJAX_FILE
    assert (module.mathjax_source() / module.MATHJAX_FILE).is_file()


def test_no_macro_makes_a_double_script_where_the_book_uses_it():
    """`\\Lone^\\top` with Lone = L^{1} is MathJax's "Double exponent" error."""
    macros = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    sources = [p.read_text() for p in sorted(ROOT.glob("chapters/*.ipynb"))]
    sources += [p.read_text() for p in [ROOT / "intro.md", *sorted(ROOT.glob("reference/*.md"))]]
    text = "\n".join(sources).replace("\\\\", "\\")  # notebooks store JSON-escaped backslashes
    bad = []
    for name, body in macros.items():
        for script in _top_level_scripts(body):
            pattern = re.compile(r"\\" + name + r"(?![A-Za-z])\s*" + re.escape(script))
            if pattern.search(text):
                bad.append(f"\\{name} = {body!r} is followed by {script!r}")
    assert not bad, "; ".join(bad)
    assert "^" not in _top_level_scripts(macros["Lone"]), "wrap Lone in braces"


def test_book_stylesheet_lets_wide_equations_scroll():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"]
    assert config["html_css_files"][0] == "kdbook.css"
    assert {"kdbook-print.css", "kdbook-dark.css"} <= set(config["html_css_files"])  # issue 23
    css = (ROOT / "_static" / "kdbook.css").read_text()
    assert 'div.math > mjx-container[display="true"]' in css and "min-width: 0 !important" in css
    # pydata-sphinx-theme logs a console error on every first visit without it
    assert config["html_context"]["default_mode"] in {"auto", "light", "dark"}


def _make(*args):
    """`make -n ARGS` in the repository: the commands make would run, run nowhere."""
    result = subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "MAKEFLAGS": ""})
    assert result.returncode == 0, result.stderr
    return result.stdout


def _prerequisites(database, target):
    """All prerequisites make's database gives ``target`` (a rule may add some in another line)."""
    lines = [line for line in database.splitlines() if line.startswith(f"{target}:")]
    assert lines, f"make has no rule for {target}"
    return [p for line in lines for p in line.split(":", 1)[1].split()]


def test_make_test_runs_every_check_and_the_browser_checks_after_the_build():
    """make test: everything from scratch, then every check, the built book's checks after the build."""
    test = _make("test")
    assert test.index("rm -rf _build\n") < test.index("--output-sync=target check"), "make test starts from scratch"
    checks = _make("check")
    assert "ruff check kdbook tests benchmarks scripts" in checks
    assert "pytest -p no:cacheprovider -n 2 --dist loadfile tests --ignore=tests/browser" in checks
    assert "scripts/check_notebooks.py chapters" in checks
    timeout = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]["timeout"]
    nbval = (f"--nbval-lax --nbval-cell-timeout {timeout} -p scripts.nbval_cache -n 2 --dist loadfile "
             "--nbval-cache _build/.jupyter_cache chapters")
    build = "jupyter-book build . -n -W --keep-going"
    browser = "-m pytest -p no:cacheprovider -n 2 --dist loadgroup tests/browser --book-html _build/html"
    assert checks.index(nbval) < checks.index(build) < checks.index(browser)
    database = _make("-p", "check")
    assert {"lint", "unit", "notebooks-clean", "nbval", "build-check", "browser-check"} <= set(
        _prerequisites(database, "check"))
    # under -j the order comes from these prerequisites, not from the list
    assert "nbval" in _prerequisites(database, "build-check")
    assert "build-check" in _prerequisites(database, "browser-check")
    # the PDF is printed from the built book, then checked
    assert "pdf-check" in _prerequisites(database, "check")
    assert "build-check" in _prerequisites(database, "pdf")
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_the_build_takes_outputs_from_the_cache_it_checks():
    """nbval fills _build/.jupyter_cache; the build reads it (cache), and still fails on any error."""
    execute = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]
    assert execute["execute_notebooks"] == "cache" and "cache" not in execute  # default: _build/.jupyter_cache
