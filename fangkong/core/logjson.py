"""JSON log lines for production (config.settings.prod), one object per line, for journald/Loki/ELK.

`JsonFormatter`: time (UTC, ISO 8601), level, logger, message, the request fields that
fangkong.core.requestlog adds (request_id, user_id, method, route, status, duration_ms), the request id
of the request being served for any other line, and the traceback. It formats what the handler's
filters left: fangkong.core.logmask.PersonalDataFilter runs first and blanks long numbers.

`RouteOnlyFilter`: Django's own request warnings ("Not Found: /path", "Forbidden (CSRF …): /path")
carry the raw path, which may hold a name; on records that carry the request, the path is replaced by
the matched route (requestlog.route_of)."""

from __future__ import annotations

import datetime as dt
import json
import logging

from .logmask import mask_numbers

FIELDS = ("request_id", "user_id", "method", "route", "status", "duration_ms", "status_code")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from .requestlog import REQUEST_ID

        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if "request_id" not in line:
            current = getattr(getattr(record, "request", None), "request_id", None) or REQUEST_ID.get()
            if current is not None:
                line["request_id"] = current
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_numbers(self.formatException(record.exc_info))
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class RouteOnlyFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and isinstance(record.args, tuple) and record.args:
            from .requestlog import route_of

            path = getattr(request, "path", "")
            raw = {path, path.encode("unicode_escape").decode("ascii")}  # Django escapes the path it logs
            record.args = tuple(route_of(request) if isinstance(a, str) and a in raw else a for a in record.args)
        return True
