"""The program document: validated, versioned, cached per container."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from ..domain.errors import Conflict, ValidationFailed
from ..domain.program import validate_program
from .ports import WriteConflict
from .wiring import Wiring


def validation_details(exc: ValidationError) -> dict[str, Any]:
    return {
        "errors": [
            {"field": ".".join(str(p) for p in err["loc"]), "message": err["msg"]}
            for err in exc.errors(include_url=False)
        ]
    }


def get_program(svc: Wiring, program_id: str) -> dict[str, Any]:
    svc.programs.forget(program_id)  # operators read what is stored, not a cached copy
    version, program = svc.programs.get_versioned(program_id)
    return {"version": version, "document": program.to_document()}


def put_program(svc: Wiring, program_id: str, document: Any, *, now: dt.datetime, actor: str,
                expected_version: int | None = None) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise ValidationFailed("the program document must be an object")
    try:
        program = validate_program(document)
    except ValidationError as exc:
        raise ValidationFailed("invalid program document", validation_details(exc)) from exc
    if program.id != program_id:
        raise ValidationFailed("the document's id must be the program of the token", {"field": "id"})
    stored = svc.store.get_program_document(program_id)
    current = stored[0] if stored else 0
    if expected_version is not None and expected_version != current:
        raise Conflict("the program changed meanwhile", {"version": current})
    try:
        version = svc.store.put_program_document(
            program_id, program.to_document(), expected_version=current, updated_at=now, updated_by=actor
        )
    except WriteConflict as exc:
        raise Conflict("the program changed meanwhile; read it and try again") from exc
    svc.programs.forget(program_id)
    return {"version": version, "document": program.to_document()}
