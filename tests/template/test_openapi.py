"""docs/openapi.json is what the code exports (`make openapi`), and it documents every HTTP route
template.yaml deploys."""

from __future__ import annotations

import json
import subprocess
import sys

from ..support.template import ROOT, template

DOC = ROOT / "docs" / "openapi.json"


def exported() -> str:
    result = subprocess.run([sys.executable, "-m", "loyalty_local.openapi"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_given_the_code_when_the_openapi_document_is_exported_then_it_equals_the_committed_file() -> None:
    assert exported() == DOC.read_text(encoding="utf-8"), "docs/openapi.json is stale: run `make openapi`"


def test_given_the_committed_document_then_it_is_openapi_3_1_with_the_error_envelope_documented() -> None:
    doc = json.loads(DOC.read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    assert "error" in doc["info"]["description"]


def test_given_every_http_route_of_the_template_then_the_document_has_its_path_and_method() -> None:
    paths = json.loads(DOC.read_text(encoding="utf-8"))["paths"]
    missing = []
    for name, resource in template()["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            method, path = event["Properties"]["Method"].lower(), event["Properties"]["Path"]
            if method not in paths.get(path, {}):
                missing.append(f"{name}: {method.upper()} {path}")
    assert missing == []
