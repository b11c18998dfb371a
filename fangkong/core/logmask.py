"""The second line of defence for personal data in logs: a logging filter that blanks long numbers.

No page or API puts an ID number or a phone in a URL (searches go by POST: fangkong.core.searches),
but an old bookmark, a script or a probe still can, and access lines (runserver's django.server,
gunicorn's access and error logs), "Not Found: …" warnings and tracebacks carry the URL. Every
handler and logger that settings and gunicorn.conf.py configure runs `PersonalDataFilter`, which
replaces every run of 11 or more digits (an 18-character ID number, with its X, a 15-digit old one,
an 11-digit mobile, +86 ones) with as many asterisks: what remains says that a number was there, not
which. Runs of digits inside other text (a URL-encoded %20, +86) are caught too: the rule is the
length of the run, not what surrounds it.

No Django import: gunicorn's logger (fangkong.core.gunicorn_logging) loads this before Django starts.
"""

from __future__ import annotations

import logging
import re

# 11 or more digits (any script's digits: full-width ones too), the last one possibly the X check character.
LONG_NUMBER = re.compile(r"\d{10,}[\dXx]")


def mask_numbers(text: str) -> str:
    return LONG_NUMBER.sub(lambda m: "*" * len(m.group()), text)


class PersonalDataFilter(logging.Filter):
    """Rewrites the record's message (and its traceback text) with long numbers blanked; lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to the handler's error reporting
            return True
        masked = mask_numbers(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_numbers(record.stack_info)
        return True
