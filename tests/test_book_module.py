"""kdbook.book: glue with and without myst-nb, and figures shown under MPLBACKEND=Agg."""

import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

# A process in which `import myst_nb` fails, as on Colab or Binder.
BLOCK_MYST_NB = textwrap.dedent(
    """
    import sys
    class _RefuseMystNb:
        def find_spec(self, name, path=None, target=None):
            if name == "myst_nb" or name.startswith("myst_nb."):
                raise ImportError("myst_nb is blocked for this test")
            return None
    sys.meta_path.insert(0, _RefuseMystNb())
    """
)


def run_python(code, **env):
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_glue_without_myst_nb_shows_the_value_or_nothing():
    out = run_python(BLOCK_MYST_NB + textwrap.dedent(
        """
        import kdbook.book as book
        assert book._myst_glue is None
        book.glue("shown", 0.125)
        book.glue("hidden", 987654, display=False)
        print("done")
        """
    ))
    assert out.split() == ["0.125", "done"]


def test_the_blocker_really_blocks_myst_nb():
    # Without the blocker the same process finds myst-nb, so the test above
    # exercises the fallback and not the normal path.
    assert run_python("import kdbook.book as b; print(b._myst_glue is not None)").strip() == "True"
    out = run_python(BLOCK_MYST_NB + "\ntry:\n import myst_nb\nexcept ImportError:\n print('blocked')")
    assert out.strip() == "blocked"


@pytest.mark.parametrize("name", ["", None, 3])
def test_glue_rejects_a_bad_name(name):
    from kdbook.book import glue

    with pytest.raises(TypeError, match="name"):
        glue(name, 1.0)


def test_glue_rejects_a_non_bool_display():
    from kdbook.book import glue

    with pytest.raises(TypeError, match="display"):
        glue("key", 1.0, display="no")


def test_outside_a_kernel_the_backend_is_left_alone():
    out = run_python(
        "import matplotlib, kdbook.book as b\n"
        "print(b.ensure_inline_figures(), matplotlib.get_backend().lower())",
        MPLBACKEND="Agg",
    )
    assert out.split() == ["False", "agg"]


@pytest.fixture(scope="module")
def agg_kernel():
    """A real kernel started the way a headless CI starts it: MPLBACKEND=Agg exported."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def execute(kc, code):
    """Run ``code`` in the kernel; return its outputs as (msg_type, content) pairs."""
    outputs = []

    def hook(msg):
        if msg["msg_type"] in ("display_data", "execute_result", "stream", "error"):
            outputs.append((msg["msg_type"], msg["content"]))

    reply = kc.execute_interactive(code, output_hook=hook, timeout=120)
    assert reply["content"]["status"] == "ok", outputs
    return outputs


def images(outputs):
    return [c for t, c in outputs if t in ("display_data", "execute_result") and "image/png" in c["data"]]


PLOT = "fig, ax = plt.subplots(); ax.plot([0, 1], [1, 0]);"


def test_agg_kernel_shows_figures_once_kdbook_book_is_imported(agg_kernel):
    setup = "import matplotlib, matplotlib.pyplot as plt\nprint(matplotlib.get_backend().lower())\n"
    before = execute(agg_kernel, setup + PLOT)
    assert ("stream", "agg") in [(t, c.get("text", "").strip()) for t, c in before]
    assert images(before) == [], "under Agg the kernel draws figures nobody sees"

    execute(agg_kernel, "plt.close('all')\nimport kdbook.book")
    after = execute(agg_kernel, PLOT)
    assert len(images(after)) == 1, after
    backend = execute(agg_kernel, "print(matplotlib.get_backend())")
    assert "inline" in backend[0][1]["text"]


def test_glue_in_a_kernel_with_myst_nb_stores_the_value(agg_kernel):
    outputs = execute(agg_kernel, "from kdbook.book import glue\nglue('answer', 42, display=False)")
    glued = [c for t, c in outputs if t == "display_data" and "scrapbook" in c.get("metadata", {})]
    assert len(glued) == 1
    assert glued[0]["metadata"]["scrapbook"]["name"] == "answer"
    values = [v for key, v in glued[0]["data"].items() if key.endswith("text/plain")]
    assert values == ["42"], glued[0]["data"]


# --- the reference part of the book stays complete -------------------------------

ROOT = Path(__file__).resolve().parents[1]


def documented_modules():
    pages = [ROOT / "reference" / "api.md", *sorted((ROOT / "reference" / "api").glob("*.md"))]
    return {m for page in pages for m in re.findall(r"^\.\. automodule:: (\S+)", page.read_text(), re.M)}


def test_api_reference_documents_every_module():
    import kdbook

    modules = set()
    for info in pkgutil.walk_packages(kdbook.__path__, "kdbook."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        if module.__name__ != info.name:  # a temporary alias of a moved module
            continue
        modules.add(info.name)
    missing = modules - documented_modules()
    assert not missing, f"add to a page of reference/api/: {sorted(missing)}"
    assert documented_modules() - modules - {"kdbook", "kdbook._threads"} == set(), "a page documents a missing module"


def cited_keys():
    sources = [ROOT / "intro.md", *ROOT.glob("reference/**/*.md")]
    texts = [p.read_text() for p in sources]
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        texts += ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]]
    texts += [p.read_text() for p in (ROOT / "kdbook").rglob("*.py")]  # docstrings shown in the API pages
    found = set()
    for text in texts:
        for keys in re.findall(r"\{cite:?[a-z]*\}`([^`]+)`|:cite:?[a-z]*:`([^`]+)`", text):
            found |= {k.strip() for group in keys for k in group.split(",") if k.strip()}
    return found


def test_every_bibliography_entry_is_cited_and_every_citation_has_an_entry():
    entries = set(re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "references.bib").read_text(), re.M))
    cited = cited_keys()
    assert cited - entries == set(), "cited but not in references.bib"
    assert entries - cited == set(), "in references.bib but cited nowhere: cite or drop"


def test_bibliography_style_labels_entries_author_year():
    from pybtex.database import parse_string
    from pybtex.plugin import find_plugin

    style = find_plugin("pybtex.style.formatting", "authoryear")()
    bib = parse_string(
        "@article{b, author={Zed, Ann and Young, Bo and Xu, Cy}, title={T}, journal={J}, year={2001}}\n"
        "@article{a, author={Zed, Ann and Young, Bo and Wu, Di}, title={S}, journal={J}, year={2001}}\n"
        "@book{c, author={Adams, Al}, title={U}, publisher={P}, year={1999}}\n"
        "@article{d, author={Zed, Ann and Young, Bo}, title={V}, journal={J}, year={2000}}\n",
        "bibtex",
    )
    labels = [e.label for e in style.format_entries(bib.entries.values())]
    assert labels == ["Adams, 1999", "Zed and Young, 2000", "Zed et al., 2001a", "Zed et al., 2001b"]
