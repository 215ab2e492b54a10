"""The README a newcomer follows stays true to the code."""

from __future__ import annotations

import re

from loyalty_local.expand import load_template

from ..support.template import ROOT

ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE)` \| `(/[^`]*)` \| [^|]+ \| `(\w+)` \|", re.MULTILINE)


def test_the_readme_api_table_lists_exactly_the_routes_of_the_template_and_their_functions() -> None:
    template = load_template((ROOT / "template.yaml").read_text())
    routes = {
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"], str(resource["Properties"]["CodeUri"]).split("/")[-1])
        for resource in template["Resources"].values() if resource["Type"] == "AWS::Serverless::Function"
        for event in (resource["Properties"].get("Events") or {}).values() if event["Type"] == "HttpApi"
    }
    documented = set(ROW.findall((ROOT / "README.md").read_text()))
    assert documented == routes, {"missing from README": routes - documented, "not in template": documented - routes}


def test_the_readme_quick_start_commands_are_make_targets() -> None:
    makefile = (ROOT / "Makefile").read_text()
    for target in ("run", "test", "e2e", "openapi", "bench", "clean"):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
