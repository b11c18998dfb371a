"""`collectstatic` with the production settings (WhiteNoise's compressed manifest storage) must
succeed: it follows every url() and sourceMappingURL in the vendored files, and one that names a
missing file aborts the deploy (after which the login page and /api/docs/ answer 500)."""

from __future__ import annotations

import json
import subprocess

import pytest

from .prodenv import ROOT, manage, prod_env

pytestmark = pytest.mark.anyhour  # collectstatic in its own process: files, not hours


def test_collectstatic_with_production_settings(tmp_path):
    env = prod_env(tmp_path)
    run = subprocess.run(manage("collectstatic", "--noinput"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    manifest = json.loads((tmp_path / "staticfiles" / "staticfiles.json").read_text())["paths"]
    for name in (
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/css/bootstrap.min.css.map",
        "vendor/bootstrap/js/bootstrap.bundle.min.js.map",
        "vendor/leaflet/leaflet.js.map",
    ):
        assert name in manifest, name
        assert (tmp_path / "staticfiles" / manifest[name]).is_file()
    # The hashed CSS points at its hashed map, so a browser's developer tools find it.
    css = (tmp_path / "staticfiles" / manifest["vendor/bootstrap/css/bootstrap.min.css"]).read_text()
    assert manifest["vendor/bootstrap/css/bootstrap.min.css.map"].rsplit("/", 1)[1] in css
