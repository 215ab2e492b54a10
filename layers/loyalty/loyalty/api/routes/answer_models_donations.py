"""The bodies the donation routes answer (积分捐赠), for docs/openapi.json (see answer_models.py:
only the export and the tests load them)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from .answer_models import Answer


class CharityProject(Answer):
    project_id: str
    name: str
    organization: str = Field(description="the charity that receives the donations")
    active: bool
    raised_points: int = Field(description="points given so far, every donation counted once")
    donations: int = Field(description="donations so far")


class ListedCharityProject(Answer):
    project_id: str
    name: str
    organization: str
    raised_points: int
    donations: int


class CharityProjects(Answer):
    projects: list[ListedCharityProject] = Field(description="the active projects, by id")


class Donation(Answer):
    donation_id: str
    project_id: str
    points: int
    balance: int
    receipt_no: str = Field(description="unique in the program: {PROJECT}-{YYYYMMDD}-{7 characters}, the day "
                                        "program-local")


class SettledDonation(Answer):
    receipt_no: str
    donation_id: str
    date: dt.date = Field(description="the program-local day of the donation")
    donated_at: dt.datetime
    member_id: str
    points: int
    points_per_yuan: int = Field(description="the program's base rate when it was given (the lowest tier's cash rate)")
    value_fen: int = Field(description="points x 100 / points_per_yuan, floored to the fen")


class SettlementTotal(Answer):
    donations: int
    points: int
    value_fen: int = Field(description="the sum of the lines' value_fen")


class DonationSettlement(Answer):
    project_id: str
    name: str
    organization: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    donations: list[SettledDonation] = Field(description="oldest first")
    total: SettlementTotal


DONATION_MODELS: tuple[type[BaseModel], ...] = (CharityProject, CharityProjects, Donation, DonationSettlement)
