"""The book's settings stay consistent with the package."""

import json
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
