"""A function's settings are checked at its cold start: a missing or unusable environment
variable fails the import with a message naming it."""

from __future__ import annotations

import pytest

from loyalty.services.settings import InvalidSettings, require_settings

from ..support.template import TABLE


def test_given_a_function_missing_its_queue_url_when_it_starts_then_the_message_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SWEEP_QUEUE_URL", raising=False)
    with pytest.raises(InvalidSettings, match="missing environment variables SWEEP_QUEUE_URL"):
        require_settings("TABLE_NAME", "SWEEP_QUEUE_URL")


def test_given_a_value_it_cannot_use_when_it_starts_then_the_message_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_WRITE_ATTEMPTS", "many")
    with pytest.raises(InvalidSettings, match="invalid environment variables MAX_WRITE_ATTEMPTS"):
        require_settings("TABLE_NAME")


def test_given_everything_set_then_the_settings_come_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUEST_TTL_DAYS", "9")
    settings = require_settings("TABLE_NAME", "SWEEP_QUEUE_URL")
    assert (settings.table_name, settings.request_ttl_days) == (TABLE, 9)


def test_given_a_name_that_is_no_setting_then_the_function_itself_is_wrong() -> None:
    with pytest.raises(ValueError, match="SWEEP_QUEUE"):
        require_settings("SWEEP_QUEUE")
