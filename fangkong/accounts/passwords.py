"""Password rules beyond Django's own: no password anyone would try first against this platform.

`ContextWordsValidator` refuses a password that contains the platform's name or the user's own
username, and one whose core — what is left once digits and symbols around it (a year, "!", "@")
are taken away and look-alike digits read as letters (0→o, 1→l, 3→e, 4→a, 5→s, @→a, $→s) — is a
word of the platform's context (its name, the city, role and demo account names), the user's
name, a common password, or has fewer than four different letters. So `command2022`,
`Hohhot2022`, `Fangkong@123`, `P@ssw0rd2024!` and `worker1234` (for user worker) are refused.
Configured in settings.AUTH_PASSWORD_VALIDATORS next to Django's length, similarity, common and
numeric validators.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PLATFORM_NAMES = ("fangkong", "防控", "防控指挥平台")
CONTEXT_WORDS = frozenset(
    {
        # the platform and the city
        "fangkong", "fangkongpingtai", "zhihui", "zhihuibu", "yiqing", "fangyi", "hesuan", "covid", "epidemic",
        "hohhot", "huhehaote", "huhhot", "huhehot", "qingcheng", "neimenggu", "neimeng", "innermongolia", "mongolia",
        "xincheng", "huimin", "yuquan", "saihan",
        # roles and demo accounts
        "command", "commander", "commandcentre", "commandcenter", "district", "street", "community", "grid",
        "isolation", "hospital", "lab", "laboratory", "volunteer", "supervisor", "auditor", "admin",
        "administrator", "root", "system", "sysadmin", "worker", "user", "guest", "test", "demo",
        # words people put in passwords
        "password", "passwd", "pass", "mima", "welcome", "qwerty", "abc", "letmein", "secret", "changeme",
    }
)  # fmt: skip
LEET = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
EDGE = re.compile(r"^[\W\d_]+|[\W\d_]+$", re.UNICODE)
MIN_DISTINCT_LETTERS = 4


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def _cores(password: str) -> set[str]:
    """The password with digits and symbols around it removed, read plainly and with look-alikes."""
    lowered = password.lower().strip()
    plain = EDGE.sub("", lowered)
    leet = EDGE.sub("", lowered.translate(LEET))
    inner_leet = EDGE.sub("", EDGE.sub("", lowered).translate(LEET))
    return {c for c in (plain, leet, inner_leet, re.sub(r"[\W\d_]+", "", lowered)) if c}


def _user_words(user: Any) -> set[str]:
    words = set()
    for attr in ("username", "full_name", "first_name", "last_name", "email", "phone"):
        value = str(getattr(user, attr, "") or "").lower().strip()
        if attr == "email":
            value = value.split("@", 1)[0]
        if len(value) >= 3:
            words.add(value)
    return words


class ContextWordsValidator:
    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        user_words = _user_words(user) if user is not None else set()
        if any(name in lowered for name in PLATFORM_NAMES):
            raise ValidationError(_("密码不能包含平台名称"), code="password_platform_name")
        if any(word in lowered for word in user_words):
            raise ValidationError(_("密码不能包含您的用户名、姓名、邮箱或电话"), code="password_contains_user")
        for core in _cores(password):
            if core in CONTEXT_WORDS or core in user_words or core in _common_passwords():
                message = _("密码不能是常见单词、城市名、角色名或账号名加上数字或符号（例如 Hohhot2022、command2022）")
                raise ValidationError(message, code="password_context_word")
            if core.isalpha() and len(set(core)) < MIN_DISTINCT_LETTERS:
                raise ValidationError(_("密码中的字母太少或太单调"), code="password_too_few_letters")

    def get_help_text(self) -> str:
        return _("不能包含平台名称或您的用户名，也不能是常见单词、城市名或角色名加年份（例如 Hohhot2022）。")
