"""How long uploaded files are kept: the one place that turns the policy parameter into a cut-off."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .rules import Rule, rule

UPLOAD_RETENTION = "data.upload_retention_days"


def upload_retention_cutoff(now: dt.datetime | None = None) -> tuple[dt.datetime, Rule]:
    """Files uploaded before the returned moment are past the retention period (and the rule that says so).

    Uploaded import files, lab result files and their error reports hold full ID numbers and phones;
    the active policy profile's `data.upload_retention_days` (30 by default, a local default for the
    city to confirm) says how many days they are kept."""
    found = rule(UPLOAD_RETENTION)
    days = int(found.value)
    if days < 1:
        days = 1  # a misconfigured 0 must not delete a file while its job runs
    return (now or timezone.now()) - dt.timedelta(days=days), found
