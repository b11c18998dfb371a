"""Errors that services raise and views turn into clear messages."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal a user can act on: it names the rule that refused, and where it comes from."""

    def __init__(self, message: str, *, rule: str = "", source: str = "", field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.source = source
        self.field = field

    def __str__(self) -> str:
        parts = [self.message]
        if self.rule:
            parts.append(f"[{self.rule}]")
        if self.source:
            parts.append(f"({self.source})")
        return " ".join(parts)


class PermissionRefused(DomainError):
    """The user's role does not allow this action."""


class RateLimited(DomainError):
    """Too many attempts in a window (pages answer 429 with the message; the API 429 with Retry-After)."""

    def __init__(self, message: str, *, retry_after: int, rule: str = "", source: str = "", field: str = "") -> None:
        super().__init__(message, rule=rule, source=source, field=field)
        self.retry_after = retry_after
