"""From template.yaml to the plain CloudFormation MiniStack deploys.

The SAM transform is applied here (with the same aws-sam-translator AWS runs) rather than by
the emulator, because its output needs one more step: an HttpApi becomes an
AWS::ApiGatewayV2::Api whose routes live only in an OpenAPI `Body`, which MiniStack ignores
(every route would answer 404). `expand_http_apis` turns that Body into the explicit Route,
Integration and Authorizer resources it stands for; what API Gateway does on import."""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from types import SimpleNamespace
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

# samtranslator warns about its own unpublished usage metrics on every transform.
logging.getLogger("samtranslator.metrics.metrics").setLevel(logging.ERROR)

_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
_ANY = "x-amazon-apigateway-any-method"


def load_template(text: str) -> dict[str, Any]:
    """template.yaml as SAM reads it (short-form intrinsics such as !Ref become their long form)."""
    parsed: dict[str, Any] = yaml_parse(text)
    return parsed


def sam_transform(template: dict[str, Any], parameters: dict[str, str], region: str) -> dict[str, Any]:
    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region  # samtranslator builds ARNs for the session's region
    try:
        # No IAM policy templates by name are resolved locally: managed policies are skipped.
        loader = SimpleNamespace(load=lambda: {})
        result: dict[str, Any] = transform(copy.deepcopy(template), dict(parameters), loader)
        return result
    finally:
        if previous is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _integration_name(uri: Any) -> str:
    """`AccountFunction` out of the Fn::Sub SAM writes for a Lambda proxy integration."""
    found = re.search(r"\$\{(\w+)\.Arn\}", json.dumps(uri))
    return found.group(1) if found else ""


def expand_http_apis(template: dict[str, Any]) -> dict[str, Any]:
    """The template with every HTTP API's OpenAPI Body replaced by explicit resources."""
    expanded = copy.deepcopy(template)
    resources: dict[str, Any] = expanded["Resources"]
    for api_id, resource in list(resources.items()):
        props = resource.get("Properties") or {}
        if resource.get("Type") != "AWS::ApiGatewayV2::Api" or not isinstance(props.get("Body"), dict):
            continue
        body = props.pop("Body")
        props.setdefault("Name", (body.get("info") or {}).get("title") or {"Ref": "AWS::StackName"})
        props.setdefault("ProtocolType", "HTTP")
        authorizers = _authorizers(api_id, body, resources)
        default_security = body.get("security") or []
        integrations: dict[str, str] = {}
        for path, operations in (body.get("paths") or {}).items():
            for method, operation in operations.items():
                if method != _ANY and method.lower() not in _METHODS:
                    continue
                integration = operation.get("x-amazon-apigateway-integration")
                if not integration:
                    continue
                verb = "ANY" if method == _ANY else method.upper()
                route_key = "$default" if path == "/$default" else f"{verb} {path}"
                target = _integration(api_id, integration, integrations, resources)
                route: dict[str, Any] = {
                    "ApiId": {"Ref": api_id},
                    "RouteKey": route_key,
                    "Target": {"Fn::Join": ["", ["integrations/", {"Ref": target}]]},
                    "AuthorizationType": "NONE",
                }
                security = operation.get("security", default_security)
                for requirement in security:
                    for scheme, scopes in requirement.items():
                        if scheme in authorizers:
                            route["AuthorizationType"] = "JWT"
                            route["AuthorizerId"] = {"Ref": authorizers[scheme]}
                            if scopes:
                                route["AuthorizationScopes"] = list(scopes)
                resources[f"{api_id}Route{_camel(route_key) or 'Default'}"] = {
                    "Type": "AWS::ApiGatewayV2::Route", "Properties": route,
                }
    return expanded


def _authorizers(api_id: str, body: dict[str, Any], resources: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for scheme, definition in ((body.get("components") or {}).get("securitySchemes") or {}).items():
        spec = definition.get("x-amazon-apigateway-authorizer")
        if not spec:
            continue
        if spec.get("type") != "jwt":
            raise ValueError(f"authorizer {scheme!r} of {api_id}: only JWT authorizers are expanded locally")
        config = spec.get("jwtConfiguration") or {}
        source = spec.get("identitySource", "$request.header.Authorization")
        logical = f"{api_id}{_camel(scheme)}Authorizer"
        resources[logical] = {
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": {
                "ApiId": {"Ref": api_id},
                "Name": scheme,
                "AuthorizerType": "JWT",
                "IdentitySource": source if isinstance(source, list) else [source],
                "JwtConfiguration": {"Issuer": config.get("issuer"), "Audience": config.get("audience", [])},
            },
        }
        names[scheme] = logical
    return names


def _integration(api_id: str, spec: dict[str, Any], known: dict[str, str], resources: dict[str, Any]) -> str:
    signature = json.dumps(spec, sort_keys=True)
    if signature not in known:
        logical = f"{api_id}Integration{_integration_name(spec.get('uri')) or len(known)}"
        properties: dict[str, Any] = {
            "ApiId": {"Ref": api_id},
            "IntegrationType": str(spec.get("type", "aws_proxy")).upper(),
            "IntegrationUri": spec.get("uri"),
            "IntegrationMethod": spec.get("httpMethod", "POST"),
            "PayloadFormatVersion": spec.get("payloadFormatVersion", "2.0"),
        }
        if "timeoutInMillis" in spec:
            properties["TimeoutInMillis"] = spec["timeoutInMillis"]
        resources[logical] = {"Type": "AWS::ApiGatewayV2::Integration", "Properties": properties}
        known[signature] = logical
    return known[signature]
