"""Swagger UI of the local stack: the exported OpenAPI document, and "Try it out" through the
real API Gateway and JWT authorizer."""

from __future__ import annotations

import json
import urllib.request

import pytest

from loyalty_local.stack import http_json

from ..support.template import ROOT
from .conftest import Local

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read()


def test_the_docs_page_and_its_assets_are_served_without_any_cdn(local: Local) -> None:
    status, kind, page = get(local.endpoints.docs_url)
    assert (status, kind.split(";")[0]) == (200, "text/html")
    for asset in ("/docs/swagger-ui-bundle.min.js", "/docs/swagger-ui.min.css"):
        assert asset.encode() in page
        status, _, body = get(local.endpoints.issuer_url + asset)
        assert status == 200 and len(body) > 10_000
    assert b"https://" not in page


def test_the_served_document_is_the_exported_one_pointed_at_the_local_api(local: Local) -> None:
    _, _, body = get(local.endpoints.issuer_url + "/openapi.json")
    served = json.loads(body)
    exported = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert served["paths"] == exported["paths"]
    assert served["components"]["schemas"] == exported["components"]["schemas"]
    assert served["servers"] == [{"url": "/api", "description": served["servers"][0]["description"]}]
    assert served["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_try_it_out_reaches_the_api_through_the_real_authorizer(local: Local) -> None:
    base = local.endpoints.issuer_url + "/api"
    assert http_json("GET", base + "/v1/me")[0] == 401
    status, me = http_json("GET", base + "/v1/me", token=local.token("swagger-m1"))
    assert (status, me["member_id"]) == (200, "swagger-m1")
