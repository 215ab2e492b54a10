"""The project owns its contract: docs/api.md names every route template.yaml serves and every
error code the engine answers, and nothing in the repository points outside it."""

from __future__ import annotations

import subprocess

from loyalty.api.errors import STATUS

from ..support.template import ROOT, template

GUIDE = (ROOT / "docs" / "api.md").read_text()


def template_routes() -> set[str]:
    return {
        f"{e['Properties']['Method']} {e['Properties']['Path']}"
        for r in template()["Resources"].values() if r["Type"] == "AWS::Serverless::Function"
        for e in r["Properties"].get("Events", {}).values() if e["Type"] == "HttpApi"
    }


def test_given_the_template_then_the_developer_guide_names_every_route_it_serves() -> None:
    missing = sorted(route for route in template_routes() if f"`{route}`" not in GUIDE)
    assert not missing, missing


def test_given_the_error_codes_the_engine_answers_then_the_guide_explains_each() -> None:
    missing = sorted(code for code in STATUS if f"`{code}`" not in GUIDE)
    assert not missing, missing


def test_given_the_repository_then_no_file_points_to_documents_outside_it() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    outside = ("API.md", "FACTS.md", "DESIGN.md", "PRODUCT.md", "../shared")
    found = [name for name in tracked if not name.endswith("test_docs.py") and (ROOT / name).is_file()
             and any(ref in (ROOT / name).read_text(errors="ignore").replace("docs/api.md", "") for ref in outside)]
    assert not found, found
