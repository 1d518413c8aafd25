"""Write the toc and config for a build of a few chapters of the book (``make chapter``).

    python scripts/subset_book.py [--cache DIR] OUT chapters/05_theorem3.ipynb [more chapters]

writes OUT/_toc.yml (the book's root page, the given chapters, and the
bibliography and glossary pages, which citations and terms need) and
OUT/_config.yml (the book's _config.yml, plus the Sphinx extension
``scripts/outside_refs.py``). Build with

    jupyter-book build . --toc OUT/_toc.yml --config OUT/_config.yml --path-output OUT -n -W --keep-going

Every page, label and figure name of the full book that this build leaves
out is listed in the config (``kdbook_outside_targets``): a reference to one
of them resolves to plain text instead of failing -n -W, because the page it
points to is not in this build. Every other reference is checked as in the
full build (a typo in a label still fails).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from browser_checks import toc_pages  # noqa: E402

# Built in every subset when the book has them: the bibliography page (a
# {cite} needs it) and the glossary (a {term} needs it).
ALWAYS = ["reference/bibliography", "reference/glossary"]
# Targets a page defines: (label)= lines, :label:/:name: options, mystnb figure names.
TARGETS = [re.compile(r"\(([\w:.-]+)\)="), re.compile(r":(?:label|name):\s*([\w:.-]+)"),
           re.compile(r'"name":\s*"([\w:.-]+)"')]


def page_source(page: str) -> Path:
    for suffix in (".ipynb", ".md"):
        if (ROOT / f"{page}{suffix}").exists():
            return ROOT / f"{page}{suffix}"
    raise SystemExit(f"{page}: no {page}.ipynb or {page}.md")


def outside_targets(kept: set[str]) -> dict[str, list[str]]:
    """Docnames and labels of the full book's pages that are not kept."""
    docs, labels = [], set()
    for page in toc_pages(ROOT / "_toc.yml"):
        if page in kept:
            continue
        docs.append(page)
        text = page_source(page).read_text()
        for pattern in TARGETS:
            labels.update(label.lower() for label in pattern.findall(text))
    return {"docs": sorted(docs), "labels": sorted(labels)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("chapters", nargs="+", type=Path)
    parser.add_argument("--cache", type=Path, help="the jupyter-cache to use (default: OUT/_build/.jupyter_cache)")
    args = parser.parse_args()
    full = toc_pages(ROOT / "_toc.yml")
    chapters = []
    for path in args.chapters:
        page = path.resolve().relative_to(ROOT).with_suffix("").as_posix()
        if page not in full:
            raise SystemExit(f"{path} is not a page of _toc.yml")
        chapters.append(page)
    root = full[0]
    # citations resolve only where the {bibliography} page is built
    chapters += [page for page in ALWAYS if page in full and page not in chapters]
    args.out.mkdir(parents=True, exist_ok=True)
    toc = {"format": "jb-book", "root": root, "chapters": [{"file": page} for page in chapters]}
    (args.out / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    # paths in the config are relative to the config file: make them absolute
    config["bibtex_bibfiles"] = [str(ROOT / path) for path in config.get("bibtex_bibfiles", [])]
    if args.cache:
        config.setdefault("execute", {})["cache"] = str(args.cache.resolve())
    sphinx = config.setdefault("sphinx", {})
    local = {name: str((ROOT / path).resolve()) for name, path in (sphinx.get("local_extensions") or {}).items()}
    local["outside_refs"] = str(ROOT / "scripts")
    sphinx["local_extensions"] = local
    sphinx.setdefault("config", {})["kdbook_outside_targets"] = outside_targets({root, *chapters})
    (args.out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    print(args.out / "_toc.yml", args.out / "_config.yml")


if __name__ == "__main__":
    main()
