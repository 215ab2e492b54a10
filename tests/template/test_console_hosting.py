"""template.yaml's console hosting and CORS, translated offline as CloudFormation would deploy
them with each choice of parameters: which browser origins may call the API, and what exists to
serve web/ (docs: README "The operator console and the member page")."""

from __future__ import annotations

from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from ..support.template import REGION, template
from .test_template import PARAMETERS, packaged

CONSOLE = {"ConsoleBucket", "ConsoleOriginAccess", "ConsoleDistribution", "ConsoleBucketPolicy"}
DOMAIN = "d111111abcdef8.cloudfront.net"  # what the distribution's DomainName resolves to here


def deployed(**parameters: str) -> tuple[dict[str, Any], Any]:
    """The translated template with the parameters applied: (resources that exist, the API's CORS
    configuration as CloudFormation resolves it; None when it has none)."""
    values = {**PARAMETERS, **parameters}
    translator = Translator({}, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    out = translator.translate(packaged(template()), parameter_values=dict(values), get_managed_policy_map=lambda: {})
    defaults = {name: p.get("Default") for name, p in out["Parameters"].items()}
    params = {**defaults, **values}
    conditions: dict[str, bool] = {}

    def value(node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (value(n) for n in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if "Ref" in node:
            return NO_VALUE if node["Ref"] == "AWS::NoValue" else params.get(node["Ref"], node)
        if "Fn::If" in node:
            name, yes, no = node["Fn::If"]
            return value(yes if condition(name) else no)
        if "Fn::Sub" in node and node["Fn::Sub"] == "https://${ConsoleDistribution.DomainName}":
            return f"https://{DOMAIN}"
        return {k: v for k, v in ((k, value(v)) for k, v in node.items()) if v is not NO_VALUE}

    def truth(node: Any) -> bool:
        (op, args), = node.items()
        if op == "Fn::Equals":
            return bool(value(args[0]) == value(args[1]))
        if op == "Fn::Not":
            return not truth(args[0])
        if op == "Fn::Or":
            return any(truth(a) for a in args)
        if op in ("Condition", "Fn::Condition"):
            return condition(args)
        raise AssertionError(f"no evaluator for {op}")

    def condition(name: str) -> bool:
        if name not in conditions:
            conditions[name] = truth(out["Conditions"][name])
        return conditions[name]

    existing = {name: r for name, r in out["Resources"].items() if "Condition" not in r or condition(r["Condition"])}
    api = next(r for r in existing.values() if r["Type"] == "AWS::ApiGatewayV2::Api")
    cors = value(api["Properties"]["Body"]).get("x-amazon-apigateway-cors")
    return existing, cors


NO_VALUE = object()


def test_by_default_no_browser_origin_may_call_the_api_and_nothing_serves_the_console() -> None:
    existing, cors = deployed()
    assert cors is None
    assert not CONSOLE & set(existing)


def test_given_a_console_origin_then_exactly_it_may_call_with_the_headers_the_pages_send() -> None:
    existing, cors = deployed(ConsoleOrigin="https://console.example.com")
    assert cors["allowOrigins"] == ["https://console.example.com"]
    assert {"authorization", "content-type", "idempotency-key"} <= set(cors["allowHeaders"])
    assert set(cors["allowMethods"]) == {"GET", "POST", "PUT", "DELETE"}
    assert not CONSOLE & set(existing)


def test_given_console_hosting_then_a_private_bucket_only_its_distribution_reads_and_its_origin_is_allowed() -> None:
    existing, cors = deployed(ConsoleHosting="ENABLED")
    assert set(existing) >= CONSOLE
    assert cors["allowOrigins"] == [f"https://{DOMAIN}"]
    block = existing["ConsoleBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    (statement,) = existing["ConsoleBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    assert "distribution/${ConsoleDistribution}" in statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    behaviour = existing["ConsoleDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"


def test_given_both_then_the_hosted_pages_and_the_other_origin_may_call() -> None:
    _, cors = deployed(ConsoleHosting="ENABLED", ConsoleOrigin="https://console.example.com")
    assert cors["allowOrigins"] == ["https://console.example.com", f"https://{DOMAIN}"]
