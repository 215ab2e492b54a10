"""The routes of donations (积分捐赠), called through the real `donations` handler."""

from __future__ import annotations

from typing import Any

from ..support.events import LambdaContext, call, http_event, load_function, member_claims
from .api import Answer, admin_event

TREES = "trees"


def project_event(project_id: str = TREES, *, name: str = "公益种树 Plant a tree",
                  organization: str = "Green Earth Foundation", active: bool = True) -> dict[str, Any]:
    return admin_event("PUT", "/v1/admin/charity-projects/{project_id}", {"project_id": project_id},
                       body={"name": name, "organization": organization, "active": active})


def put_project(project_id: str = TREES, **fields: Any) -> Answer:
    return call("donations", project_event(project_id, **fields))


def projects_event(member: str = "m1") -> dict[str, Any]:
    return http_event("GET", "/v1/charity-projects", claims=member_claims(member))


def projects(member: str = "m1") -> Answer:
    return call("donations", projects_event(member))


def donate_event(points: int, project_id: str = TREES, *, key: str = "d1", member: str = "m1") -> dict[str, Any]:
    return http_event("POST", "/v1/me/donations", claims=member_claims(member), headers={"Idempotency-Key": key},
                      body={"project_id": project_id, "points": points})


def donate(points: int, project_id: str = TREES, *, key: str = "d1", member: str = "m1") -> Answer:
    return call("donations", donate_event(points, project_id, key=key, member=member))


def settlement_event(start: str, end: str, project_id: str = TREES, **query: str) -> dict[str, Any]:
    return admin_event("GET", "/v1/admin/charity-projects/{project_id}/donations", {"project_id": project_id},
                       query={"from": start, "to": end, **query})


def settlement(start: str, end: str, project_id: str = TREES) -> Answer:
    return call("donations", settlement_event(start, end, project_id))


def settlement_csv(start: str, end: str, project_id: str = TREES) -> tuple[int, str, str]:
    """(status, content type, body text) of the CSV answer."""
    response = load_function("donations").handler(settlement_event(start, end, project_id, format="csv"),
                                                  LambdaContext())
    return response["statusCode"], response["headers"]["Content-Type"], response["body"]
