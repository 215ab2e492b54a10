"""Function `lottery`: lotteries with provable odds (积分抽奖): the operator's document and list of
draws, the lottery as a member sees it (odds published, seed revealed after the end), draws."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from ...clock import utc_now
from ...domain.lottery_rules import ID, LotterySpec
from ...services import lottery, lottery_admin
from ...services.wiring import wiring
from ..http import IDEMPOTENCY_KEY, admin_of, json_response, member_of
from .answers import BODY, KEYED, PARAMETERS, SPEND, TOKEN, of, success

router = Router()

LotteryId = Annotated[str, Path(pattern=ID)]
IdempotencyKey = Annotated[str, Header(alias="idempotency-key", pattern=IDEMPOTENCY_KEY)]


@router.put("/v1/admin/lotteries/<lottery_id>", summary="Create or replace a lottery",
            responses=of({**success(201, "Lottery", "Created: its seed drawn, only its hash shown"),
                          **success(200, "Lottery", "Replaced (once drawn: its name, daily limit and a later end)")},
                         *TOKEN, *BODY, "CONFLICT"))
def put_lottery(lottery_id: LotteryId, body: LotterySpec) -> Any:
    program, _ = admin_of(router)
    status, answer = lottery_admin.put_lottery(wiring(), program, lottery_id, body, utc_now())
    return json_response(status, answer)


@router.get("/v1/admin/lotteries", summary="The program's lotteries: status, window, prizes and odds (no seed)",
            responses=of(success(200, "LotteryList", "A page of lotteries, by id"), *TOKEN, *PARAMETERS))
def get_lotteries(limit: Annotated[int, Query(ge=1, le=100)] = 50,
                  cursor: Annotated[str | None, Query(max_length=400)] = None) -> dict[str, Any]:
    program, _ = admin_of(router)
    return lottery_admin.list_lotteries(wiring(), program, utc_now(), limit=limit, cursor=cursor)


@router.get("/v1/admin/lotteries/<lottery_id>/draws", summary="The lottery's draws, for verification",
            responses=of(success(200, "LotteryDraws", "A page of draws"), *TOKEN, *PARAMETERS))
def get_draws(lottery_id: LotteryId, limit: Annotated[int, Query(ge=1, le=lottery_admin.MAX_PAGE)] = 100,
              cursor: Annotated[str | None, Query(max_length=400)] = None) -> dict[str, Any]:
    program, _ = admin_of(router)
    return lottery_admin.list_draws(wiring(), program, lottery_id, limit=limit, cursor=cursor)


@router.get("/v1/lotteries/<lottery_id>", summary="A lottery: its prizes and odds (概率公示), my draws left",
            responses=of(success(200, "MemberLottery", "The lottery; its seed once it has ended"), *TOKEN, *PARAMETERS))
def get_lottery(lottery_id: LotteryId) -> dict[str, Any]:
    program, member = member_of(router)
    return lottery.lottery_for_member(wiring(), program, member, lottery_id, utc_now())


@router.post("/v1/me/lotteries/<lottery_id>/draws", summary="Draw once: pay its points, get a prize and its proof",
             responses=of(success(201, "LotteryDraw", "Drawn (the same key again: this answer again)"),
                          *TOKEN, *PARAMETERS, *KEYED, *SPEND, "LIMIT_REACHED", "NOT_STARTED", "ENDED"))
def post_draw(lottery_id: LotteryId, idempotency_key: IdempotencyKey) -> Any:
    program, member = member_of(router)
    receipt = lottery.draw(wiring(), program_id=program, member=member, lottery_id=lottery_id,
                           idempotency_key=idempotency_key, now=utc_now())
    return json_response(receipt.status, receipt.body)
