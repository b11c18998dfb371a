"""gunicorn settings for fangkong. gunicorn reads ./gunicorn.conf.py from the directory it starts in
(the systemd unit's WorkingDirectory, docs/operator-guide.md §4); `-c gunicorn.conf.py` says so
explicitly. Command-line options (--bind, --workers, --timeout) still apply on top.

Access lines go to standard output (journald under systemd), through a logger that blanks ID
numbers and phone numbers (runs of 11+ digits) in every line, access and error alike: the second
line of defence behind "no personal data in any URL" (fangkong.core.logmask)."""

logger_class = "fangkong.core.gunicorn_logging.MaskingLogger"
accesslog = "-"
errorlog = "-"
# Django's settings (config.settings.*) configure the application's own loggers with the same filter.

import os  # noqa: E402

# Production's JSON logs (config.settings.prod) carry a line per request from the application itself
# (fangkong.core.requestlog: the route, never the raw path and query this access line would show), so
# gunicorn's own access line is off there; FANGKONG_GUNICORN_ACCESS_LOG=1 brings it back.
if (
    os.environ.get("DJANGO_SETTINGS_MODULE") == "config.settings.prod"
    and os.environ.get("FANGKONG_LOG_FORMAT", "json") == "json"
    and os.environ.get("FANGKONG_GUNICORN_ACCESS_LOG", "0") != "1"
):
    accesslog = None
