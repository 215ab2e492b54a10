"""The stack's alarms (template.yaml), checked on the template SAM translates: every dead-letter
queue (SAM's own included), every function, the API, the sweeps' queues and the reconciliation
metric each have theirs, all notifying the AlarmTopicArn, and none without it; and the
reconciliation job is shaped like the sweeps (weekly schedule, its own queue, DLQ, log group)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..support.template import template
from .test_template import resources, translate

SWEEP_QUEUES = {"ExpiryQueue", "TierEvaluationQueue", "ReconciliationQueue"}


@cache
def translated() -> dict[str, Any]:
    return translate(template())


def alarms() -> dict[str, dict[str, Any]]:
    return {name: alarm["Properties"] for name, alarm in resources("AWS::CloudWatch::Alarm", translated()).items()}


def watching(namespace: str, metric: str, dimension: str) -> list[Any]:
    """What the alarms on ``metric`` watch: the value of their one ``dimension``."""
    return [props["Dimensions"][0]["Value"] for props in alarms().values()
            if props["Namespace"] == namespace and props["MetricName"] == metric
            and [d["Name"] for d in props["Dimensions"]] == [dimension]]


def attribute_of(value: Any) -> str:
    """The resource of a !GetAtt, in either of its shapes ("Name.Attr" or [Name, Attr])."""
    target = value["Fn::GetAtt"]
    return str(target[0] if isinstance(target, list) else target.split(".")[0])


def dead_letter_queues(doc: dict[str, Any]) -> set[str]:
    """Every queue named a DLQ (SAM makes the rules' own) and every queue's redrive target."""
    queues = resources("AWS::SQS::Queue", doc)
    targets = {name for name in queues if name.endswith("DLQ")}
    for props in queues.values():
        redrive = props.get("Properties", {}).get("RedrivePolicy")
        if redrive:
            targets.add(attribute_of(redrive["deadLetterTargetArn"]))
    return targets


def test_given_the_translated_template_then_every_dead_letter_queue_has_an_alarm_on_any_message() -> None:
    dlqs = dead_letter_queues(translated())
    assert {"DomainEventsDLQ", "ExpiryDLQ", "ReconciliationDLQ", "LedgerEventsDLQ"} <= dlqs
    watched = {attribute_of(value) for value in watching("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName")}
    assert dlqs <= watched, dlqs - watched
    for props in alarms().values():
        if props["MetricName"] == "ApproximateNumberOfMessagesVisible":
            assert (props["Threshold"], props["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_given_the_template_then_every_function_has_an_errors_and_a_throttles_alarm() -> None:
    functions = set(resources("AWS::Lambda::Function", translated()))
    for metric in ("Errors", "Throttles"):
        watched = {value["Ref"] for value in watching("AWS/Lambda", metric, "FunctionName")}
        assert watched == functions, (metric, functions ^ watched)


def test_given_the_template_then_the_api_5xx_the_sweep_queues_age_and_reconciliation_mismatches_alarm() -> None:
    assert watching("AWS/ApiGateway", "5xx", "ApiId") == [{"Ref": "LoyaltyApi"}]
    aged = {attribute_of(value) for value in watching("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName")}
    assert aged == SWEEP_QUEUES
    # The EMF metric as the functions write it: their namespace and service name (Globals).
    env = template()["Globals"]["Function"]["Environment"]["Variables"]
    assert watching(env["POWERTOOLS_METRICS_NAMESPACE"], "ReconciliationMismatches", "service") == [
        env["POWERTOOLS_SERVICE_NAME"]]


def test_given_every_alarm_then_it_notifies_the_topic_parameter_and_exists_only_with_one() -> None:
    raw = resources("AWS::CloudWatch::Alarm")
    assert raw
    assert template()["Parameters"]["AlarmTopicArn"]["Default"] == ""
    assert template()["Conditions"]["HasAlarmTopic"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]}
    for name, alarm in raw.items():
        assert alarm["Condition"] == "HasAlarmTopic", name
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopicArn"}], name
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching", name  # no data: nothing happened


def test_given_the_reconciliation_job_then_it_runs_weekly_on_its_own_queue_with_a_dlq_and_a_log_group() -> None:
    props = template()["Resources"]["ReconciliationFunction"]["Properties"]
    [schedule] = [e["Properties"] for e in props["Events"].values() if e["Type"] == "ScheduleV2"]
    assert schedule["State"] == {"Ref": "Schedules"}
    assert schedule["ScheduleExpression"].endswith("? * SUN *)")  # once a week
    assert json.loads(schedule["Input"]) == {"reconcile": {"segments": 16}}
    [sqs] = [e["Properties"] for e in props["Events"].values() if e["Type"] == "SQS"]
    assert sqs["Queue"] == {"Fn::GetAtt": "ReconciliationQueue.Arn"}
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["Environment"]["Variables"]["SWEEP_QUEUE_URL"] == {"Ref": "ReconciliationQueue"}
    queue = template()["Resources"]["ReconciliationQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": "ReconciliationDLQ.Arn"}
    groups = [g["Properties"]["LogGroupName"] for g in resources("AWS::Logs::LogGroup").values()]
    assert {"Fn::Sub": "/aws/lambda/${ReconciliationFunction}"} in groups
    assert "dynamodb:Scan" in json.dumps(props["Policies"])
    api = template()["Resources"]["ReconciliationApiFunction"]["Properties"]
    assert "dynamodb:Scan" not in json.dumps(api["Policies"])  # the route reads one item
