"""The cost table's arithmetic (bench/cost.py): units, billed Lambda time and prices per million,
against figures worked out by hand."""

from __future__ import annotations

import pytest

from bench.cost import Measured, Prices, billed_ms, cost_per_million, rows_for, table

REDEEM = Measured("POST /v1/me/redemptions", read_units=1.0, write_units=8,
                  calls={"Query(consistent)": 1, "TransactWriteItems": 1}, our_cpu_ms=3.0)


def test_billed_time_stretches_our_cpu_by_the_memory_share_and_adds_each_dynamodb_call() -> None:
    # 3.0 ms x 1769/512 = 10.37 ms, + 5 ms (Query) + 10 ms (TransactWriteItems) = 25.37, rounded up.
    assert billed_ms(REDEEM, 512) == 26
    # At a full vCPU and beyond the CPU time counts as measured.
    assert billed_ms(REDEEM, 1769) == 18
    assert billed_ms(REDEEM, 3008) == 18


def test_a_started_millisecond_is_billed_whole() -> None:
    assert billed_ms(Measured("tiny", 0.5, 0, {}, our_cpu_ms=0.1), 2048) == 1


def test_cost_per_million_adds_dynamodb_lambda_and_the_api_request() -> None:
    cost = cost_per_million([REDEEM], 512)
    assert cost.dynamodb == pytest.approx(0.125 + 8 * 0.625)  # 1 RRU + 8 WRU, a million times
    assert cost.lambda_compute == pytest.approx(1e6 * 0.026 * 0.5 * 0.0000133334)  # 26 ms at 0.5 GB
    assert cost.lambda_requests == pytest.approx(0.20)
    assert cost.api == pytest.approx(1.00)
    assert cost.total == pytest.approx(5.125 + 0.1733342 + 0.20 + 1.00)


def test_an_operation_of_two_requests_pays_two_invocations_and_two_api_requests() -> None:
    capture = Measured("capture + earn", 1.0, 10, {"Query(consistent)": 1, "TransactWriteItems": 1}, 4.0)
    cost = cost_per_million([REDEEM, capture], 512)
    assert cost.billed_ms == 26 + 29  # 4.0 x 3.455 = 13.82 + 15
    assert cost.dynamodb == pytest.approx(2 * 0.125 + 18 * 0.625)
    assert cost.lambda_requests == pytest.approx(0.40)
    assert cost.api == pytest.approx(2.00)


def test_prices_are_the_ones_given() -> None:
    doubled = Prices(write_request_unit=1.25e-6, read_request_unit=0.25e-6, lambda_gb_second=0.0000266668,
                     lambda_request=0.4e-6, http_api_request=2e-6)
    assert cost_per_million([REDEEM], 512, doubled).total == pytest.approx(2 * cost_per_million([REDEEM], 512).total)


def test_a_row_shows_only_when_every_request_of_it_was_measured_and_report_reads_join() -> None:
    rows = rows_for(["point hold", "POST /v1/me/redemptions", "GET /v1/admin/reports/summary"])
    assert rows == [("redeem", ["POST /v1/me/redemptions"]),
                    ("report read (GET /v1/admin/reports/summary)", ["GET /v1/admin/reports/summary"])]


def test_the_table_prints_each_part_and_the_total_per_million() -> None:
    text = table({REDEEM.name: REDEEM}, 512)
    row = text.splitlines()[2].split()
    assert row == ["redeem", "1", "1", "8", "26", "5.12", "0.37", "1.00", "6.50"]
