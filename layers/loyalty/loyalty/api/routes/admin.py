"""Function `admin`: the program document and the catalog."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import Field

from ...clock import utc_now
from ...domain.rewards import RewardSpec
from ...services import programs, rewards
from ...services.context import services
from ..http import admin_of, json_response

router = Router()

REWARD_ID = r"^[A-Za-z0-9_.-]{1,64}$"
RewardId = Annotated[str, Path(pattern=REWARD_ID)]


class NewReward(RewardSpec):
    # The same shape as the path of PUT and the body of a redemption: an id outside it could
    # be created but never replaced or redeemed.
    id: str = Field(pattern=REWARD_ID)


@router.get("/v1/admin/program", summary="The program document and its version")
def get_program() -> dict[str, Any]:
    program, _ = admin_of(router)
    return programs.get_program(services(), program)


@router.put("/v1/admin/program", summary="Store a new version of the program document")
def put_program(document: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    program, actor = admin_of(router)
    return programs.put_program(services(), program, document, now=utc_now(), actor=actor)


@router.get("/v1/admin/rewards", summary="The whole catalog, inactive rewards included")
def get_catalog() -> dict[str, Any]:
    program, _ = admin_of(router)
    return {"rewards": [rewards.reward_view(r) for r in rewards.list_rewards(services(), program)]}


@router.post("/v1/admin/rewards", summary="Add a reward")
def post_reward(body: NewReward) -> Any:
    program, _ = admin_of(router)
    spec = RewardSpec.model_validate(body.model_dump(exclude={"id"}))
    return json_response(201, rewards.create_reward(services(), program, body.id, spec))


@router.put("/v1/admin/rewards/<reward_id>", summary="Replace a reward")
def put_reward(reward_id: RewardId, body: RewardSpec) -> dict[str, Any]:
    program, _ = admin_of(router)
    return rewards.replace_reward(services(), program, reward_id, body)
