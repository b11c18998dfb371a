"""manage.py serve_prod: the production stack in the foreground (`python3 dev.py prod` calls this
with config.settings.prod and the keys it keeps in var/).

Creates the PostgreSQL database if it is missing, migrates, collects the static files, builds the
demo city when the registry is empty (unless --no-demo), then runs gunicorn (gunicorn.conf.py) and the
Huey consumer(s) on Redis side by side (--consumers, default FANGKONG_CONSUMERS or 1: several consumers
share the queue, its expiring task locks and one run of each periodic task a minute, fangkong.core.jobqueue).
Ctrl-C or SIGTERM stops them all, gunicorn gracefully and the consumers after their running tasks, and
kills what is still there after STOP_SECONDS; any process exiting on its own stops the others and this
command with an error."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fangkong.geo.models import Person

STOP_SECONDS = 20


def database_ensure() -> bool:
    """Create the default database on its PostgreSQL server when it does not exist (connecting to
    the server's `postgres` database). True when it was created."""
    import psycopg
    from psycopg import sql

    db = settings.DATABASES["default"]
    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db.get("USER") or None}
    params = {k: v for k, v in params.items() if v}
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=5, **params) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            return True
    except psycopg.OperationalError as exc:
        raise CommandError(
            f"PostgreSQL at {db.get('HOST')}:{db.get('PORT') or 5432} does not answer ({exc}). "
            "Start it (docs/operator-guide.md §4a) or set DATABASE_URL."
        ) from exc


class Command(BaseCommand):
    help = "生产方式运行：PostgreSQL、Redis、gunicorn 与后台任务 / the production stack in the foreground"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="port gunicorn listens on, on 127.0.0.1 (default 8000)")
        parser.add_argument("--workers", type=int, default=5, help="gunicorn worker processes (default 5)")
        parser.add_argument("--no-demo", action="store_true", help="never build the demo city or its accounts")
        parser.add_argument("--people", type=int, default=50_000, help="people in the demo city when it is built (default 50,000)")
        parser.add_argument(
            "--consumers",
            type=int,
            default=int(os.environ.get("FANGKONG_CONSUMERS") or 1),
            help="Huey consumer processes, two threads each (default FANGKONG_CONSUMERS, else 1)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "FANGKONG_PRODUCTION", False):
            raise CommandError("serve_prod runs with config.settings.prod (python3 dev.py prod sets it up).")
        if options["consumers"] < 1:
            raise CommandError("--consumers: at least 1 (the background jobs need a consumer)")
        if database_ensure():
            self.stdout.write(f"· created database {settings.DATABASES['default']['NAME']}")
        self.stdout.write("· 数据库迁移 / migrating")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("· 收集静态文件 / collectstatic")
        call_command("collectstatic", interactive=False, verbosity=0)
        if options["no_demo"]:
            self.stdout.write("· --no-demo: 不生成演示数据 / no demo data")
        elif Person.objects.exists():
            self.stdout.write("· 登记库已有人员，不生成演示城市 / the registry has people: no demo city")
        else:
            self.stdout.write("· 登记库为空：生成演示城市与演示账号 / empty registry: building the demo city and its accounts")
            call_command("demo", no_serve=True, people=options["people"], port=options["port"])
        self._serve(self.commands(port=options["port"], workers=options["workers"], consumers=options["consumers"]), port=options["port"])

    @staticmethod
    def commands(*, port: int, workers: int, consumers: int) -> dict[str, list[str]]:
        """The processes to run, by name: gunicorn, then the consumers."""
        root = Path(settings.BASE_DIR)
        gunicorn = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", str(root / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "120", "--graceful-timeout", "10",
        ]  # fmt: skip
        found = {"gunicorn": gunicorn}
        for n in range(1, consumers + 1):
            found["Huey consumer" if consumers == 1 else f"Huey consumer {n}"] = [sys.executable, str(root / "manage.py"), "run_huey"]
        return found

    def _serve(self, commands: dict[str, list[str]], *, port: int) -> None:
        root = Path(settings.BASE_DIR)
        stopping: list[int] = []
        signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
        signal.signal(signal.SIGINT, lambda signum, _frame: stopping.append(signum))
        processes = {name: subprocess.Popen(command, cwd=root) for name, command in commands.items()}  # noqa: S603
        url = f"http://127.0.0.1:{port}/"
        pids = ", ".join(f"{name} pid {process.pid}" for name, process in processes.items())
        self.stdout.write(self.style.SUCCESS(f"\n{url}  {pids}  (Ctrl-C 退出 / to stop)\n"))
        self.stdout.flush()
        while not stopping and all(process.poll() is None for process in processes.values()):
            time.sleep(0.5)
        died = None if stopping else next(name for name, process in processes.items() if process.poll() is not None)
        for name, process in processes.items():
            # gunicorn: SIGTERM is graceful (workers finish their requests); Huey: SIGINT (running tasks finish)
            self._stop(process, signal.SIGTERM if name == "gunicorn" else signal.SIGINT)
        deadline = time.monotonic() + STOP_SECONDS
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if died:
            raise CommandError(f"the {died} exited on its own: stopped the others")
        self.stdout.write("· stopped")

    @staticmethod
    def _stop(process: subprocess.Popen, signum: int) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signum)
