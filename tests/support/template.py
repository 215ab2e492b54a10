"""template.yaml as data: CloudFormation short tags (!Ref, !GetAtt, !Sub) kept as plain values;
and where the tests stand it up: the repository, the region and the table's name."""

from __future__ import annotations

import functools
import pathlib
from typing import Any

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
REGION = "ap-east-1"  # moto's, the SAM translation's and the region in the tests' ARNs
TABLE = "loyalty-test"  # the table of the `table` fixture (tests/conftest.py), TABLE_NAME of every function
# Plain test credentials: every engine is moto, nothing here can reach an AWS account.
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {f"Fn::{suffix}" if suffix != "Ref" else "Ref": value}


_CfnLoader.add_multi_constructor("!", _tag)


@functools.cache
def template() -> dict[str, Any]:
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)


def table_properties() -> dict[str, Any]:
    return template()["Resources"]["LoyaltyTable"]["Properties"]


def create_table_kwargs(name: str) -> dict[str, Any]:
    """CreateTable arguments for the table exactly as the template declares it."""
    props = table_properties()
    kwargs: dict[str, Any] = {
        "TableName": name,
        "BillingMode": props["BillingMode"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "GlobalSecondaryIndexes": props.get("GlobalSecondaryIndexes", []),
    }
    if "StreamSpecification" in props:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    return kwargs


def ttl_attribute() -> str:
    return str(table_properties()["TimeToLiveSpecification"]["AttributeName"])
