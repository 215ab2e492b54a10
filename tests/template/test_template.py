"""template.yaml, checked offline: cfn-lint, the SAM translator, and that what it deploys is
wired to code that exists (handlers resolve, every HTTP route reaches a route of its resolver)."""

from __future__ import annotations

import copy
import importlib.util
import json
import pathlib
import re
import subprocess
import sys
from types import ModuleType
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from samtranslator.parser.parser import Parser
from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.translator.translator import Translator

from ..support.events import LambdaContext, http_event, member_claims
from ..support.template import REGION, ROOT, template

PARAMETERS = {"JwtIssuer": "https://issuer.example.com"}


def resources(kind: str, doc: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    doc = doc or template()
    return {name: r for name, r in doc["Resources"].items() if r["Type"] == kind}


FUNCTIONS = resources("AWS::Serverless::Function")


def http_events(function: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
        for e in function["Properties"].get("Events", {}).values()
        if e["Type"] == "HttpApi"
    ]


HTTP_FUNCTIONS = {name: fn for name, fn in FUNCTIONS.items() if http_events(fn)}


def packaged(doc: dict[str, Any]) -> dict[str, Any]:
    """What `sam package` hands to CloudFormation: local code folders replaced by S3 objects."""
    doc = copy.deepcopy(doc)
    for resource in doc["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://loyalty-artifacts/{props[key].replace('/', '-')}.zip"
    return doc


def translate(doc: dict[str, Any]) -> dict[str, Any]:
    translator = Translator({}, Parser(), boto_session=boto3.session.Session(region_name=REGION))
    result: dict[str, Any] = translator.translate(
        packaged(doc), parameter_values=dict(PARAMETERS), get_managed_policy_map=lambda: {}
    )
    return result


def load_handler_module(logical_id: str, function: dict[str, Any]) -> tuple[ModuleType, str]:
    """Import the handler's module from CodeUri the way the Lambda runtime does."""
    props = function["Properties"]
    module_name, _, attribute = props["Handler"].rpartition(".")
    path = ROOT / props["CodeUri"] / f"{module_name.replace('.', '/')}.py"
    assert path.is_file(), f"{logical_id}: {path} does not exist"
    spec = importlib.util.spec_from_file_location(f"template_check_{logical_id}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module, attribute


def resolver_routes(app: APIGatewayHttpResolver) -> set[tuple[str, str]]:
    # Powertools writes path parameters as <name>, API Gateway as {name}.
    routes = app._static_routes + app._dynamic_routes
    return {(route.method.upper(), re.sub(r"<(\w+)>", r"{\1}", route.path)) for route in routes}


# ----- cfn-lint and the SAM translator --------------------------------------------------------


def run_cfn_lint(path: pathlib.Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(pathlib.Path(sys.executable).parent / "cfn-lint"), str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


def test_given_the_template_when_cfn_lint_checks_it_then_it_reports_nothing() -> None:
    result = run_cfn_lint(ROOT / "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_given_a_broken_copy_of_the_template_when_cfn_lint_checks_it_then_it_fails(tmp_path: pathlib.Path) -> None:
    broken = (ROOT / "template.yaml").read_text().replace("Type: AWS::DynamoDB::Table", "Type: AWS::DynamoDB::Tabel", 1)
    assert broken != (ROOT / "template.yaml").read_text()
    (tmp_path / "template.yaml").write_text(broken)
    assert run_cfn_lint(tmp_path / "template.yaml").returncode != 0


def test_given_the_template_when_the_sam_translator_transforms_it_offline_then_there_is_no_error() -> None:
    try:
        output = translate(template())
    except InvalidDocumentException as exc:
        pytest.fail("\n".join(str(cause) for cause in exc.causes))
    lambdas = resources("AWS::Lambda::Function", output)
    assert set(lambdas) == set(FUNCTIONS)


def test_given_a_bogus_event_property_when_the_sam_translator_transforms_it_then_it_is_refused() -> None:
    doc = copy.deepcopy(template())
    name = next(iter(HTTP_FUNCTIONS))
    event = next(e for e in doc["Resources"][name]["Properties"]["Events"].values() if e["Type"] == "HttpApi")
    event["Properties"]["Bogus"] = True
    with pytest.raises(InvalidDocumentException):
        translate(doc)


def test_given_the_translated_template_then_every_function_runs_python_3_12_on_arm64() -> None:
    for name, function in resources("AWS::Lambda::Function", translate(template())).items():
        assert function["Properties"]["Runtime"] == "python3.12", name
        assert function["Properties"]["Architectures"] == ["arm64"], name


def test_given_the_translated_template_then_every_http_route_is_on_its_api_behind_its_jwt_authorizer() -> None:
    """Operators' routes: LoyaltyJwt (the brand's issuer); members' routes: MemberJwt (the
    engine's tokens, or MemberJwtIssuer); logins and webhooks: none; the engine's /.well-known
    documents on EngineIssuerApi, which has no authorizer."""
    output = resources("AWS::ApiGatewayV2::Api", translate(template()))
    bodies = {name: api["Properties"]["Body"] for name, api in output.items()}
    assert set(bodies) == {"LoyaltyApi", "EngineIssuerApi"}
    assert "securitySchemes" not in bodies["EngineIssuerApi"].get("components", {})
    for name, function in HTTP_FUNCTIONS.items():
        for event in function["Properties"]["Events"].values():
            if event["Type"] != "HttpApi":
                continue
            props = event["Properties"]
            api = props["ApiId"]["Ref"]
            operation = bodies[api]["paths"][props["Path"]][props["Method"].lower()]
            assert name in str(operation["x-amazon-apigateway-integration"]["uri"]), (name, event)
            path = props["Path"]
            if api == "EngineIssuerApi":
                assert path.startswith("/.well-known/") and not operation.get("security"), (name, event)
            elif path.startswith(("/v1/partners/", "/v1/auth/")):
                assert props.get("Auth") == {"Authorizer": "NONE"}, (name, event)
                assert operation.get("security") in (None, [], [{"NONE": []}]), (name, event)
            elif path.startswith("/v1/admin/"):
                assert operation["security"] == [{"LoyaltyJwt": []}], (name, event)
            else:
                assert operation["security"] == [{"MemberJwt": []}], (name, event)


ENGINE_ISSUER = {"Fn::If": ["HasEngineIssuerUrl", {"Ref": "EngineIssuerUrl"},
                            {"Fn::Sub": "https://${EngineIssuerApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}]}


def test_given_the_member_authorizer_then_it_trusts_the_engine_issuer_unless_member_jwt_issuer_is_set() -> None:
    doc = template()
    authorizers = doc["Resources"]["LoyaltyApi"]["Properties"]["Auth"]["Authorizers"]
    assert authorizers["LoyaltyJwt"]["JwtConfiguration"]["issuer"] == {"Ref": "JwtIssuer"}
    member = authorizers["MemberJwt"]["JwtConfiguration"]
    assert member["issuer"] == {"Fn::If": ["HasMemberJwtIssuer", {"Ref": "MemberJwtIssuer"}, ENGINE_ISSUER]}
    assert member["audience"] == [{"Ref": "JwtAudience"}]
    # The token's iss is the very URL the authorizer trusts, and EngineIssuerApi refers to nothing
    # of LoyaltyApi (no cycle: LoyaltyApi -> EngineIssuerApi only).
    auth = doc["Resources"]["AuthFunction"]["Properties"]["Environment"]["Variables"]
    assert auth["ENGINE_ISSUER"] == ENGINE_ISSUER and auth["JWT_AUDIENCE"] == {"Ref": "JwtAudience"}
    assert "LoyaltyApi" not in json.dumps(doc["Resources"]["EngineIssuerApi"])
    assert doc["Conditions"]["HasMemberJwtIssuer"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "MemberJwtIssuer"}, ""]}]}


def test_given_the_wechat_parameters_then_their_defaults_are_wechat_kms_and_the_engine_itself() -> None:
    parameters = template()["Parameters"]
    assert parameters["WeChatApiBase"]["Default"] == "https://api.weixin.qq.com"
    assert parameters["SigningKey"]["Default"] == "KMS" and parameters["SigningKey"]["AllowedValues"] == ["KMS", "LOCAL_SSM"]
    assert parameters["EngineIssuerUrl"]["Default"] == "" and parameters["MemberJwtIssuer"]["Default"] == ""
    auth = template()["Resources"]["AuthFunction"]["Properties"]["Environment"]["Variables"]
    assert auth["WECHAT_API_BASE"] == {"Ref": "WeChatApiBase"}
    assert parameters["LoginsPerIpMinute"]["Default"] == 30 and auth["LOGINS_PER_IP_MINUTE"] == {"Ref": "LoginsPerIpMinute"}


def test_given_the_signing_key_then_it_is_an_rsa_2048_kms_key_only_with_signing_key_kms() -> None:
    key = template()["Resources"]["EngineSigningKey"]
    assert key["Type"] == "AWS::KMS::Key" and key["Condition"] == "SignsWithKms"
    assert (key["Properties"]["KeySpec"], key["Properties"]["KeyUsage"]) == ("RSA_2048", "SIGN_VERIFY")


def _statements(function: dict[str, Any]) -> list[Any]:
    return [st for policy in function["Properties"].get("Policies", []) if isinstance(policy, dict)
            for st in policy.get("Statement", [])]


def test_given_the_policies_then_only_the_auth_function_signs_and_reads_the_wechat_secrets() -> None:
    wechat = "parameter/${AWS::StackName}/wechat/*"
    for name, function in FUNCTIONS.items():
        text = json.dumps(_statements(function))
        if name != "AuthFunction":
            assert "kms:Sign" not in text and "signing-key" not in text, name
            assert name == "WeChatAdminFunction" or wechat not in text, name
    auth = _statements(FUNCTIONS["AuthFunction"])
    assert auth[0] == {"Effect": "Allow", "Action": ["dynamodb:UpdateItem"], "Resource": {"Fn::GetAtt": "LoyaltyTable.Arn"}}
    assert auth[1]["Action"] == ["ssm:GetParameter"] and auth[1]["Resource"]["Fn::Sub"].endswith(wechat)
    condition, kms, local = auth[2]["Fn::If"]
    assert condition == "SignsWithKms"
    assert kms == {"Effect": "Allow", "Action": ["kms:Sign", "kms:GetPublicKey"],
                   "Resource": {"Fn::GetAtt": "EngineSigningKey.Arn"}}
    assert local["Action"] == ["ssm:GetParameter"]
    assert local["Resource"]["Fn::Sub"].endswith("parameter/${AWS::StackName}/engine/signing-key")
    admin = _statements(FUNCTIONS["WeChatAdminFunction"])
    assert [(st["Action"], st["Resource"]["Fn::Sub"].endswith(wechat)) for st in admin] == [(["ssm:PutParameter"], True)]


def test_given_the_layer_then_it_is_built_for_python_3_12_on_arm64_by_its_makefile() -> None:
    layers = resources("AWS::Serverless::LayerVersion")
    assert layers
    for name, layer in layers.items():
        assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}, name
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"], name
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"], name
        makefile = (ROOT / layer["Properties"]["ContentUri"] / "Makefile").read_text()
        assert f"build-{name}:" in makefile, name
        assert "--platform manylinux2014_aarch64" in makefile and "--python-version 3.12" in makefile, name
        assert (ROOT / layer["Properties"]["ContentUri"] / "requirements.txt").is_file(), name


def test_given_the_layer_build_then_it_ships_our_package_with_bytecode_for_every_module(tmp_path: pathlib.Path) -> None:
    (name, layer), = resources("AWS::Serverless::LayerVersion").items()
    source = ROOT / layer["Properties"]["ContentUri"]
    (tmp_path / "none.txt").write_text("")  # the dependencies' install is pip's; no network here
    subprocess.run(["make", "-s", f"build-{name}", f"ARTIFACTS_DIR={tmp_path / 'out'}", f"PYTHON={sys.executable}",
                    f"REQUIREMENTS={tmp_path / 'none.txt'}"], cwd=source, check=True, capture_output=True)
    built = tmp_path / "out" / "python" / "loyalty"
    modules = sorted(p.relative_to(built) for p in built.rglob("*.py"))
    assert modules == sorted(p.relative_to(source / "loyalty") for p in (source / "loyalty").rglob("*.py"))
    tag = sys.implementation.cache_tag
    for module in modules:
        assert (built / module.parent / "__pycache__" / f"{module.stem}.{tag}.pyc").is_file(), module
    # only bytecode compiled for the build's Python: nothing copied from a developer's tree
    assert all(tag in p.name for p in built.rglob("*.pyc"))


# ----- the code behind each function ----------------------------------------------------------


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_given_a_function_when_its_code_uri_and_handler_are_followed_then_a_callable_handler_is_found(
    logical_id: str,
) -> None:
    module, attribute = load_handler_module(logical_id, FUNCTIONS[logical_id])
    assert callable(getattr(module, attribute, None)), f"{logical_id}: {attribute} is not callable"


@pytest.mark.parametrize("logical_id", sorted(HTTP_FUNCTIONS))
def test_given_a_function_with_http_routes_then_its_resolver_serves_exactly_the_routes_the_template_sends_it(
    logical_id: str,
) -> None:
    module, _ = load_handler_module(logical_id, HTTP_FUNCTIONS[logical_id])
    app = getattr(module, "app", None)
    assert isinstance(app, APIGatewayHttpResolver), f"{logical_id}: no APIGatewayHttpResolver named app"
    declared = set(http_events(HTTP_FUNCTIONS[logical_id]))
    served = resolver_routes(app)
    assert declared - served == set(), "routes API Gateway sends that the resolver answers 404"
    assert served - declared == set(), "routes of the code that API Gateway never sends"


@pytest.mark.parametrize("logical_id", sorted(HTTP_FUNCTIONS))
def test_given_each_template_route_when_its_event_reaches_the_handler_then_a_route_matches_not_404(
    table: Any, logical_id: str
) -> None:
    module, attribute = load_handler_module(logical_id, HTTP_FUNCTIONS[logical_id])
    for method, path in http_events(HTTP_FUNCTIONS[logical_id]):
        params = {name: "x1" for name in re.findall(r"{(\w+)}", path)}
        # No claims and no body: the matched route refuses (401/422), an unmatched one says 404.
        event = http_event(method, path.format(**params), claims=None, route_key=f"{method} {path}",
                           path_parameters=params or None)
        response = getattr(module, attribute)(event, LambdaContext())
        assert response["statusCode"] != 404, (method, path, response["body"])


def test_given_a_route_no_function_serves_when_it_reaches_a_handler_then_404_proves_the_check_above_can_fail() -> None:
    logical_id = sorted(HTTP_FUNCTIONS)[0]
    module, attribute = load_handler_module(logical_id, HTTP_FUNCTIONS[logical_id])
    event = http_event("GET", "/v1/not-a-route", claims=member_claims())
    assert getattr(module, attribute)(event, LambdaContext())["statusCode"] == 404


# ----- the table ------------------------------------------------------------------------------


def test_given_the_table_then_it_has_the_keys_the_due_index_ttl_and_point_in_time_recovery() -> None:
    tables = resources("AWS::DynamoDB::Table")
    assert len(tables) == 1
    props = next(iter(tables.values()))["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}]
    attributes = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert attributes["PK"] == attributes["SK"] == "S"
    due = next(i for i in props["GlobalSecondaryIndexes"] if i["IndexName"] == "DueIndex")
    assert due["KeySchema"] == [{"AttributeName": "due_pk", "KeyType": "HASH"},
                                {"AttributeName": "due_sk", "KeyType": "RANGE"}]
    assert attributes["due_pk"] == attributes["due_sk"] == "S"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["BillingMode"] == "PAY_PER_REQUEST"


def test_every_eventbridge_rule_dead_letters_into_a_queue_of_the_template_by_arn() -> None:
    # SAM ignores `Type: SQS` + `Destination` (it makes a queue of its own instead), so failed
    # events would never reach the queue operators watch.
    rules = [
        (name, event_name, event["Properties"])
        for name, function in FUNCTIONS.items()
        for event_name, event in function["Properties"].get("Events", {}).items()
        if event["Type"] == "EventBridgeRule"
    ]
    assert rules
    for name, event_name, props in rules:
        dlq = props.get("DeadLetterConfig", {})
        assert "Destination" not in dlq, (name, event_name)
        assert "Arn" in dlq or dlq.get("Type") == "SQS", (name, event_name)


# ----- the design's handlers by name ---------------------------------------------------------

NAMED_FUNCTIONS = {"EarnFunction": "functions/earn", "RedeemFunction": "functions/redeem",
                   "CheckinFunction": "functions/checkin", "TierEvaluationFunction": "functions/tier_evaluation",
                   "ExpiryFunction": "functions/expiry"}
SWEEP_FUNCTIONS = {"ExpiryFunction": ({"expiry", "pending", "expiry_reminders", "point_holds"}, "ExpiryQueue"),
                   "TierEvaluationFunction": ({"tier_review"}, "TierEvaluationQueue")}


def test_given_the_template_then_the_designs_named_functions_exist() -> None:
    assert {name: FUNCTIONS[name]["Properties"]["CodeUri"] for name in NAMED_FUNCTIONS if name in FUNCTIONS} == NAMED_FUNCTIONS


# Sweeps due at a time of day, not on a day: run every minute (point holds lapse 30 minutes after
# they are placed), not at a program's local hour.
EVERY_MINUTE = {"point_holds"}


@pytest.mark.parametrize("name", sorted(SWEEP_FUNCTIONS))
def test_given_a_scheduled_function_then_it_has_hourly_utc_schedules_its_own_queue_a_dlq_and_a_log_group(name: str) -> None:
    sweeps, queue = SWEEP_FUNCTIONS[name]
    props = FUNCTIONS[name]["Properties"]
    events = props["Events"]
    schedules = [e["Properties"] for e in events.values() if e["Type"] == "ScheduleV2"]
    assert schedules
    for schedule in schedules:
        assert schedule["State"] == {"Ref": "Schedules"}, schedule  # a test stack deploys them DISABLED
        if set(json.loads(schedule["Input"])["sweeps"]) <= EVERY_MINUTE:
            assert schedule["ScheduleExpression"] == "rate(1 minute)", schedule
            continue
        minute, hour = schedule["ScheduleExpression"].removeprefix("cron(").split()[:2]
        assert minute.isdigit() and hour == "*", schedule  # hourly; each program's own local time decides
        assert "ScheduleExpressionTimezone" not in schedule  # UTC: no single program's zone
        assert "program" not in json.loads(schedule["Input"])
    assert set().union(*(json.loads(s["Input"])["sweeps"] for s in schedules)) == sweeps
    [sqs] = [e["Properties"] for e in events.values() if e["Type"] == "SQS"]
    assert sqs["Queue"] == {"Fn::GetAtt": f"{queue}.Arn"} and sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["Environment"]["Variables"]["SWEEP_QUEUE_URL"] == {"Ref": queue}
    redrive = resources("AWS::SQS::Queue")[queue]["Properties"]["RedrivePolicy"]
    dlq = redrive["deadLetterTargetArn"]["Fn::GetAtt"].removesuffix(".Arn")
    assert dlq.endswith("DLQ") and dlq in resources("AWS::SQS::Queue")
    others = [q for n, (_, q) in SWEEP_FUNCTIONS.items() if n != name]
    assert not any(q in json.dumps(props["Policies"]) for q in others)  # least privilege: its own queue only
    groups = [g["Properties"]["LogGroupName"] for g in resources("AWS::Logs::LogGroup").values()]
    assert {"Fn::Sub": f"/aws/lambda/${{{name}}}"} in groups


def test_given_the_template_then_no_parameter_ties_the_stack_to_one_program() -> None:
    assert not {"ProgramId", "ProgramTimeZone"} & set(template()["Parameters"])


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_given_a_function_then_the_template_sets_every_variable_it_requires_at_cold_start(name: str) -> None:
    code = (ROOT / FUNCTIONS[name]["Properties"]["CodeUri"] / "app.py").read_text()
    [call] = re.findall(r"require_settings\(([^)]*)\)", code)
    required = set(re.findall(r'"([A-Z_]+)"', call))
    given = set(template()["Globals"]["Function"]["Environment"]["Variables"]) | set(
        FUNCTIONS[name]["Properties"].get("Environment", {}).get("Variables", {}))
    assert required and required <= given, required - given
