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
