"""Function `admin`: the program document and the catalog."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import ConfigDict, Field

from ...clock import utc_now
from ...domain.rewards import RewardSpec
from ...services import programs, rewards
from ...services.wiring import wiring
from ..http import admin_of, json_response
from .answers import BODY, TOKEN, of, success
from .schemas import Description, Name

router = Router()

REWARD_ID = r"^[A-Za-z0-9_.-]{1,64}$"
RewardId = Annotated[str, Path(pattern=REWARD_ID)]


# The reward of the domain as a request body: strict as every body (schemas.Body), its name and
# description plain text, its min_tier shaped as a tier code (a control character there could be
# stored, never matched).
class RewardBody(RewardSpec):
    """A reward of the catalog, as an operator sends it."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: Name
    min_tier: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,31}$", description="a tier code")
    description: Description = ""

    def spec(self) -> RewardSpec:
        return RewardSpec.model_validate(self.model_dump(exclude={"id"}))


class NewReward(RewardBody):
    # The same shape as the path of PUT and the body of a redemption: an id outside it could
    # be created but never replaced or redeemed.
    id: str = Field(pattern=REWARD_ID)


@router.get("/v1/admin/program", summary="The program document and its version",
            responses=of(success(200, "ProgramVersion", "The stored document"), *TOKEN))
def get_program() -> dict[str, Any]:
    program, _ = admin_of(router)
    return programs.get_program(wiring(), program)


@router.put("/v1/admin/program", summary="Store a new version of the program document",
            responses=of(success(200, "ProgramVersion", "Stored as the next version"),
                         "UNAUTHORIZED", "FORBIDDEN", *BODY, "CONFLICT"))
def put_program(document: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    program, actor = admin_of(router)
    return programs.put_program(wiring(), program, document, now=utc_now(), actor=actor)


@router.get("/v1/admin/rewards", summary="The whole catalog, inactive rewards included",
            responses=of(success(200, "Catalog", "Every reward"), *TOKEN))
def get_catalog() -> dict[str, Any]:
    program, _ = admin_of(router)
    return {"rewards": [rewards.reward_view(r) for r in rewards.list_rewards(wiring(), program)]}


@router.post("/v1/admin/rewards", summary="Add a reward",
             responses=of(success(201, "Reward", "Added"), *TOKEN, *BODY))
def post_reward(body: NewReward) -> Any:
    program, _ = admin_of(router)
    return json_response(201, rewards.create_reward(wiring(), program, body.id, body.spec()))


@router.put("/v1/admin/rewards/<reward_id>", summary="Replace a reward",
            responses=of(success(200, "Reward", "Replaced (its next revision)"), *TOKEN, *BODY, "CONFLICT"))
def put_reward(reward_id: RewardId, body: RewardBody) -> dict[str, Any]:
    program, _ = admin_of(router)
    return rewards.replace_reward(wiring(), program, reward_id, body.spec())
