"""What the movement pages share: the districts a user may act in, and a service's refusal shown."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from fangkong.core.errors import DomainError
from fangkong.geo.models import District


def districts_of(user: Any):
    return District.objects.covered_by(user).order_by("code")


def flash_refusal(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, exc.message)
