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


def failure_cause(exc: BaseException) -> str:
    """What a job's page may say about an unexpected failure, in the user's language: the database
    went away (a restart, a failover: the file can simply be sent again), or an internal error whose
    details are in the log. Never the exception's own text: it is the driver's English, and it can
    name rows, values and the server."""
    from django.db import IntegrityError, InterfaceError, OperationalError
    from django.utils.translation import gettext

    if isinstance(exc, OperationalError | InterfaceError):
        return gettext("与数据库的连接中断（例如数据库重启）")
    if isinstance(exc, IntegrityError):
        return gettext("数据与已有记录冲突（例如重复的身份证号）")
    return gettext("内部错误，详情已记入系统日志")
