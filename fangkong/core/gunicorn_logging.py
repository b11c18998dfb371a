"""gunicorn's logger with the personal-data filter on its access and error logs (gunicorn.conf.py)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from .logmask import PersonalDataFilter


class MaskingLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, PersonalDataFilter) for f in log.filters):
                log.addFilter(PersonalDataFilter())
