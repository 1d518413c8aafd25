"""pytest plugin: the chapters nbval executes become the book build's execution cache.

    python -m pytest --nbval-lax -p scripts.nbval_cache --nbval-cache _build/.jupyter_cache chapters

nbval runs every code cell of a chapter in one kernel and fails on any error;
the book build (``execute_notebooks: cache`` in _config.yml) would then run
the same cells a second time. With ``--nbval-cache DIR`` each chapter whose
every cell nbval ran without failure is written, with the outputs its kernel
produced, into the jupyter-cache at DIR (the build's
``_build/.jupyter_cache``), keyed as the build looks it up (the code cells'
sources). The build then renders those outputs instead of executing the
chapter again; a chapter not written there is executed by the build itself.

Only what nbclient (the build's executor) would have produced is cached, so
a chapter is left out, and executed by the build, when:
  * any of its tests failed, was deselected or did not run;
  * nbval skipped a different set of cells from the one the build skips
    (cells tagged ``skip-execution``);
  * a cell produced an error output, or messages the outputs are not a plain
    function of (``clear_output``, ``update_display_data``, widget output);
Outputs are made from the kernel's messages with nbformat's
``output_from_msg``, as nbclient makes them. The plugin never changes what
nbval checks or reports.
"""

from __future__ import annotations

import fcntl
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import output_from_msg

OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error"}
# Messages after which the outputs depend on more than the list of outputs received.
UNFAITHFUL = {"clear_output", "update_display_data"}


def pytest_addoption(parser):
    parser.getgroup("nbval").addoption(
        "--nbval-cache", metavar="DIR", default=None,
        help="write each chapter nbval ran without failure, with its outputs, into the jupyter-cache DIR "
             "(the book build's _build/.jupyter_cache), so that the build does not execute it again")


def pytest_configure(config):
    path = config.getoption("--nbval-cache")
    if path:
        config.pluginmanager.register(CacheWriter(Path(path).resolve()), "kdbook-nbval-cache")


class Chapter:
    """What one notebook's nbval run produced."""

    def __init__(self, path: Path):
        self.path = path
        self.messages: dict[int, list[dict]] = defaultdict(list)  # cell_num -> iopub messages of its execution
        self.ran: set[int] = set()
        self.skipped: set[int] = set()
        self.failed = False
        self.language_info: dict | None = None
        self.start = time.perf_counter()
        self.seconds = 0.0
        self.current: int | None = None


class CacheWriter:
    def __init__(self, cache_path: Path):
        self.cache_path = cache_path
        self.chapters: dict[Path, Chapter] = {}
        self.not_cached: dict[str, str] = {}

    def _chapter(self, item) -> Chapter | None:
        if not hasattr(item, "cell_num") or not hasattr(item.parent, "nb"):
            return None  # not an nbval cell
        path = Path(str(item.parent.fspath)).resolve()
        chapter = self.chapters.get(path)
        if chapter is None:
            chapter = self.chapters[path] = Chapter(path)
        return chapter

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        chapter = self._chapter(item)
        if chapter is None:
            yield
            return
        parent = item.parent
        if "get_kernel_message" not in vars(parent):  # record what nbval reads, once per notebook
            read = parent.get_kernel_message

            def recording(timeout=None, stream="iopub"):
                msg = read(timeout=timeout, stream=stream)
                if stream == "iopub" and chapter.current is not None:
                    if msg["parent_header"].get("msg_type") == "execute_request":
                        chapter.messages[chapter.current].append(msg)
                return msg

            parent.get_kernel_message = recording
        if chapter.language_info is None and parent.kernel is not None and parent.kernel.is_alive():
            chapter.language_info = _language_info(parent.kernel)
        chapter.current = item.cell_num
        try:
            yield
        finally:
            chapter.current = None
            chapter.seconds = time.perf_counter() - chapter.start

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        chapter = self._chapter(item)
        if chapter is None:
            return
        report = outcome.get_result()
        if report.failed:
            chapter.failed = True
        elif call.when == "call":
            (chapter.skipped if report.skipped else chapter.ran).add(item.cell_num)
        elif call.when == "setup" and report.skipped:
            chapter.skipped.add(item.cell_num)

    def pytest_sessionfinish(self, session):
        for chapter in self.chapters.values():
            reason = self._write(chapter)
            if reason:
                self.not_cached[chapter.path.name] = reason
        if hasattr(session.config, "workeroutput"):  # a pytest-xdist worker: tell the controller
            session.config.workeroutput["nbval_not_cached"] = self.not_cached

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        self.not_cached.update(getattr(node, "workeroutput", {}).get("nbval_not_cached", {}))

    def pytest_terminal_summary(self, terminalreporter):
        """One line: which chapters the build will take from the cache (xdist: seen from the controller)."""
        from jupyter_cache import get_cache

        notebooks = sorted({Path(str(r.fspath)).name for rs in terminalreporter.stats.values() for r in rs
                            if getattr(r, "fspath", "").endswith(".ipynb")})
        if not notebooks or not self.cache_path.exists():
            return
        with _locked(self.cache_path):
            cached = {Path(record.uri).name for record in get_cache(str(self.cache_path)).list_cache_records()}
        left = [f"{name} ({self.not_cached.get(name, 'not written')})" for name in notebooks if name not in cached]
        terminalreporter.write_line(
            f"nbval-cache: {len(notebooks) - len(left)} of {len(notebooks)} chapters cached for the book build"
            + (f"; the build executes again: {', '.join(left)}" if left else ""))

    def _write(self, chapter: Chapter) -> str | None:
        """Cache one chapter; return why not, or None."""
        if chapter.failed:
            return "a test failed"
        nb = nbformat.read(chapter.path, as_version=4)
        code = [cell for cell in nb.cells if cell.cell_type == "code"]
        if chapter.ran | chapter.skipped != set(range(len(code))):
            return "not every cell was run"
        build_skips = {i for i, cell in enumerate(code) if "skip-execution" in cell.metadata.get("tags", [])}
        if chapter.skipped != build_skips:
            return "nbval skips other cells than the build"
        count = 0
        for i, cell in enumerate(code):
            cell.outputs, cell.execution_count = [], None
            if i in chapter.skipped:
                continue
            messages = chapter.messages[i]
            if len({m["parent_header"]["msg_id"] for m in messages}) > 1:
                return f"cell {i}: output of more than one execution"
            if any(m["msg_type"] in UNFAITHFUL or m["msg_type"].startswith("comm") for m in messages):
                return f"cell {i}: cleared or updated output"
            count += 1
            cell.execution_count = count
            for msg in messages:
                if msg["msg_type"] in OUTPUT_TYPES:
                    out = output_from_msg(msg)
                    if out.output_type == "error":
                        return f"cell {i}: error output"
                    if out.output_type == "execute_result":
                        out.execution_count = count
                    cell.outputs.append(out)
        if chapter.language_info:
            nb.metadata["language_info"] = chapter.language_info
        nbformat.validate(nb)
        from jupyter_cache import get_cache
        from jupyter_cache.base import CacheBundleIn

        with _locked(self.cache_path):
            get_cache(str(self.cache_path)).cache_notebook_bundle(
                CacheBundleIn(nb, str(chapter.path), data={"execution_seconds": chapter.seconds}),
                check_validity=False, overwrite=True)
        return None


def _language_info(kernel) -> dict | None:
    """The kernel's language_info, as nbclient stores it in the executed notebook."""
    msg_id = kernel.kc.kernel_info()
    while True:
        reply = kernel.kc.get_shell_msg(timeout=30)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"].get("language_info")


@contextmanager
def _locked(cache_path: Path):
    """One writer at a time (pytest-xdist workers share the cache)."""
    cache_path.mkdir(parents=True, exist_ok=True)
    with open(cache_path.parent / f".{cache_path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
