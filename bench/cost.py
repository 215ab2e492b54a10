"""What an operation costs on AWS, per million, from what `make bench` measured of it: its DynamoDB
request units, its DynamoDB calls, and the CPU time of our own code; plus the template's
MemorySize and the on-demand list prices below (the one place they are stated).

Per operation, each HTTP request is one API Gateway HTTP API request and one Lambda invocation:
  DynamoDB  = RRU x read price + (WRU + index WRU) x write price
  Lambda    = billed ms x MemorySize/1024 GB x GB-second price + the request price
  billed ms = ceil(our CPU ms x CPU_SCALE + DynamoDB calls x their assumed latency)
  API       = the HTTP API request price
Not counted: storage, the free tiers, data transfer, CloudWatch Logs, X-Ray, EventBridge and the
stream consumers downstream of a write (their own invocations), cold starts."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# ----- prices: us-east-1 (N. Virginia), on-demand list prices in USD, looked up 2026-12-03 -------
# DynamoDB on-demand, Standard table class (after the 2024-11-01 cut of 50%):
#   https://aws.amazon.com/dynamodb/pricing/on-demand/ (figures as quoted for US East in
#   https://airbyte.com/data-engineering-resources/dynamodb-pricing)
# Lambda arm64, the first 7.5 billion GB-seconds a month; requests:
#   https://aws.amazon.com/lambda/pricing/ and the tiers in
#   https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/
# API Gateway HTTP API, the first 300 million requests a month:
#   https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html
PRICES_AS_OF = "2026-12-03"
REGION = "us-east-1"


@dataclass(frozen=True)
class Prices:
    write_request_unit: float = 0.625 / 1e6
    read_request_unit: float = 0.125 / 1e6
    lambda_gb_second: float = 0.0000133334
    lambda_request: float = 0.20 / 1e6
    http_api_request: float = 1.00 / 1e6


PRICES = Prices()

# ----- assumptions ---------------------------------------------------------------------------------
# A DynamoDB call as the handler waits for it (network, service, botocore's own work): DynamoDB
# answers single-item reads and Queries in single-digit milliseconds; a transaction has two phases.
DYNAMODB_MS: Mapping[str, float] = {"TransactWriteItems": 10.0}
DYNAMODB_MS_DEFAULT = 5.0
# Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): below that our CPU
# time, measured on one core of the bench machine, stretches by 1769/MemorySize.
ONE_VCPU_MB = 1769


@dataclass(frozen=True)
class Measured:
    """One HTTP request of an operation, as `make bench` measured it."""

    name: str
    read_units: float
    write_units: int  # the table's, index writes included
    calls: Mapping[str, int]  # DynamoDB calls by label, e.g. {"Query(consistent)": 1}
    our_cpu_ms: float


@dataclass(frozen=True)
class Cost:
    """USD per million operations, by where the money goes."""

    dynamodb: float
    lambda_compute: float
    lambda_requests: float
    api: float
    billed_ms: int  # Lambda ms per operation, all its requests

    @property
    def total(self) -> float:
        return self.dynamodb + self.lambda_compute + self.lambda_requests + self.api


def cpu_scale(memory_mb: int) -> float:
    return max(1.0, ONE_VCPU_MB / memory_mb)


def dynamodb_wait_ms(calls: Mapping[str, int]) -> float:
    return sum(n * DYNAMODB_MS.get(label.split("(")[0], DYNAMODB_MS_DEFAULT) for label, n in calls.items())


def billed_ms(request: Measured, memory_mb: int) -> int:
    """Lambda bills each invocation's duration rounded up to the millisecond."""
    return math.ceil(request.our_cpu_ms * cpu_scale(memory_mb) + dynamodb_wait_ms(request.calls))


def cost_per_million(requests: Sequence[Measured], memory_mb: int, prices: Prices = PRICES) -> Cost:
    """An operation made of `requests` (a hold then its capture: two), a million times."""
    million = 1e6
    ms = sum(billed_ms(r, memory_mb) for r in requests)
    return Cost(
        dynamodb=million * sum(r.read_units * prices.read_request_unit + r.write_units * prices.write_request_unit
                               for r in requests),
        lambda_compute=million * ms / 1000 * memory_mb / 1024 * prices.lambda_gb_second,
        lambda_requests=million * len(requests) * prices.lambda_request,
        api=million * len(requests) * prices.http_api_request,
        billed_ms=ms,
    )


# The table's rows: an operation and the bench entries of its requests, in order. A row is shown
# when all its entries were measured (`python -m bench --only ...` measures a few).
ROWS: list[tuple[str, list[str]]] = [
    ("earn (order paid)", ["earn"]),
    ("redeem", ["POST /v1/me/redemptions"]),
    ("check-in", ["POST /v1/me/check-ins"]),
    ("hold + capture", ["point hold", "capture + earn"]),
    ("lottery draw", ["lottery draw"]),
    ("read my account", ["GET /v1/me"]),
]
REPORT_PREFIX = "GET /v1/admin/reports"  # a report read, when the bench measures one


def rows_for(names: Sequence[str]) -> list[tuple[str, list[str]]]:
    rows = [(label, entries) for label, entries in ROWS if all(e in names for e in entries)]
    rows += [(f"report read ({n})", [n]) for n in names if n.startswith(REPORT_PREFIX)]
    return rows


def table(measured: Mapping[str, Measured], memory_mb: int, prices: Prices = PRICES) -> str:
    rows = rows_for(list(measured))
    if not rows:
        return "(no operation of the cost table was measured)"
    header = ["operation", "requests", "RRU", "WRU", "billed ms", "DynamoDB", "Lambda", "API GW", "total"]
    lines = []
    for label, entries in rows:
        requests = [measured[e] for e in entries]
        c = cost_per_million(requests, memory_mb, prices)
        lines.append([label, str(len(requests)), f"{sum(r.read_units for r in requests):g}",
                      str(sum(r.write_units for r in requests)), str(c.billed_ms), f"{c.dynamodb:.2f}",
                      f"{c.lambda_compute + c.lambda_requests:.2f}", f"{c.api:.2f}", f"{c.total:.2f}"])
    widths = [max(len(h), *(len(r[n]) for r in lines)) for n, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in lines]
    return "\n".join(out)


def preamble(memory_mb: int, prices: Prices = PRICES) -> str:
    return (f"AWS cost per million operations, USD ({REGION} on-demand list prices of {PRICES_AS_OF}: DynamoDB "
            f"${prices.write_request_unit * 1e6:g}/M WRU, ${prices.read_request_unit * 1e6:g}/M RRU; Lambda arm64 "
            f"${prices.lambda_gb_second:.10f}".rstrip("0") + "/GB-s + "
            f"${prices.lambda_request * 1e6:g}/M requests at MemorySize "
            f"{memory_mb} MB; HTTP API ${prices.http_api_request * 1e6:g}/M requests).\nbilled ms = our CPU ms x "
            f"{cpu_scale(memory_mb):.2f} (CPU share of {memory_mb} MB) + {DYNAMODB_MS_DEFAULT:g} ms per DynamoDB read, "
            f"{DYNAMODB_MS['TransactWriteItems']:g} ms per TransactWriteItems (assumed); WRU include index writes. Not counted: storage, free "
            "tiers, logs, events and stream consumers downstream, data transfer.\n")


def template_memory_mb() -> int:
    """The functions' MemorySize: template.yaml sets it once, in Globals (no function overrides it)."""
    from tests.support.template import template

    return int(template()["Globals"]["Function"]["MemorySize"])
