"""kdbook.book: glue with and without myst-nb, and figures shown under MPLBACKEND=Agg."""

import os
import subprocess
import sys
import textwrap

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
