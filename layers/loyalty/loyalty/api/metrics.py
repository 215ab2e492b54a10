"""Business metrics (CloudWatch EMF through Powertools Metrics, namespace Loyalty): one EMF line
per metric and dimension value, written to the function's log (CloudWatch makes the metrics;
no API call, no client). ``single_metric`` is imported on the first count: Powertools' package
(imported by every handler for its Logger) loads its Metrics already, so a cold start pays
nothing more (measured by `python -m bench --imports-only`)."""

from __future__ import annotations

from collections.abc import Mapping

NAMESPACE = "Loyalty"


def emit(counts: Mapping[tuple[str, str], int], dimension: str = "type") -> None:
    """``counts``: (metric name, value of its ``dimension`` or "" for none) -> value; zeros are
    skipped. Every line also carries Powertools' ``service`` dimension (POWERTOOLS_SERVICE_NAME)."""
    if not any(counts.values()):
        return
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    for (name, by), value in sorted(counts.items()):
        if not value:
            continue
        with single_metric(name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE) as metric:
            if by:
                metric.add_dimension(name=dimension, value=by)


def count(name: str, value: int = 1) -> None:
    emit({(name, ""): value})
