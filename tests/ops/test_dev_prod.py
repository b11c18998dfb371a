"""`python3 dev.py prod`: its keys, its options, and its refusal to serve without production settings
(the whole stack is started and signed in through by .ci/prod_smoke)."""

from __future__ import annotations

import importlib.util
import stat

import pytest
from django.core.management import CommandError, call_command

from fangkong.demo.management.commands.serve_prod import Command

from .prodenv import ROOT


def _dev():
    spec = importlib.util.spec_from_file_location("fangkong_dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_keys_are_generated_once_private_and_kept(tmp_path):
    dev = _dev()
    first = dev._prod_keys(tmp_path)
    assert set(first) == {"SECRET_KEY", "FANGKONG_DATA_KEY", "FANGKONG_PASS_SIGNING_KEY"}
    assert len(set(first.values())) == 3
    assert stat.S_IMODE((tmp_path / "prod-keys.env").stat().st_mode) == 0o600
    assert dev._prod_keys(tmp_path) == first  # the encrypted data stays readable after a restart


def test_the_keys_pass_the_production_checks(tmp_path):
    from config.keychecks import data_key_problems, pass_signing_key_problems, secret_key_problems

    keys = _dev()._prod_keys(tmp_path)
    assert not secret_key_problems(keys["SECRET_KEY"], demo_values=()) and not data_key_problems(keys["FANGKONG_DATA_KEY"], demo_values=())
    assert not pass_signing_key_problems(keys["FANGKONG_PASS_SIGNING_KEY"], demo_values=(), data_key=keys["FANGKONG_DATA_KEY"])


def test_a_key_file_from_before_the_pass_key_gains_the_key_this_machine_signed_passes_with(tmp_path):
    """var/prod-keys.env written before FANGKONG_PASS_SIGNING_KEY existed, and var/pass-signing-key the
    server generated meanwhile: the passes already printed stay valid."""
    (tmp_path / "prod-keys.env").write_text("SECRET_KEY=s\nFANGKONG_DATA_KEY=d\n")
    (tmp_path / "pass-signing-key").write_text("lR5fTZZUis6J1ow0Fa1LbQH6b+qSbPwXOqFk0BG9rnc=\n")
    keys = _dev()._prod_keys(tmp_path)
    assert keys["FANGKONG_PASS_SIGNING_KEY"] == "lR5fTZZUis6J1ow0Fa1LbQH6b+qSbPwXOqFk0BG9rnc="
    assert _dev()._prod_keys(tmp_path) == keys


def test_the_documented_options():
    options = Command().create_parser("manage.py", "serve_prod").parse_args(["--port", "8123", "--workers", "2", "--no-demo"])
    assert (options.port, options.workers, options.no_demo) == (8123, 2, True)
    assert "python3 dev.py prod" in (ROOT / "README.md").read_text()
    assert "python3 dev.py prod --port 8001 --workers 3 --no-demo" in (ROOT / "docs/operator-guide.md").read_text()


def test_it_refuses_to_serve_with_other_settings():
    with pytest.raises(CommandError, match="config.settings.prod"):
        call_command("serve_prod", "--no-demo")


def test_several_consumers_run_beside_gunicorn(monkeypatch):
    options = Command().create_parser("manage.py", "serve_prod").parse_args([])
    assert options.consumers == 1
    monkeypatch.setenv("FANGKONG_CONSUMERS", "3")
    options = Command().create_parser("manage.py", "serve_prod").parse_args([])
    assert options.consumers == 3
    assert Command().create_parser("manage.py", "serve_prod").parse_args(["--consumers", "2"]).consumers == 2
    commands = Command.commands(port=8123, workers=2, consumers=3)
    assert list(commands) == ["gunicorn", "Huey consumer 1", "Huey consumer 2", "Huey consumer 3"]
    assert all(command[-1] == "run_huey" for name, command in commands.items() if name != "gunicorn")
    assert "--bind" in commands["gunicorn"] and "127.0.0.1:8123" in commands["gunicorn"]
    assert list(Command.commands(port=8000, workers=5, consumers=1)) == ["gunicorn", "Huey consumer"]
    assert "--consumers" in (ROOT / "docs/operator-guide.md").read_text()


def test_a_consumer_that_exits_stops_the_others_and_the_command(tmp_path):
    """The supervision of serve_prod's processes, with stand-ins: the second consumer exits at once."""
    import signal
    import subprocess
    import sys

    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    exits = [sys.executable, "-c", "pass"]
    commands = {"gunicorn": sleeper, "Huey consumer 1": sleeper, "Huey consumer 2": exits, "Huey consumer 3": sleeper}
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        process = real_popen(*args, **kwargs)
        started.append(process)
        return process

    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(subprocess, "Popen", popen)
            with pytest.raises(CommandError, match="Huey consumer 2 exited on its own"):
                Command()._serve(commands, port=8123)
    finally:
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert len(started) == 4 and all(process.returncode is not None for process in started)
