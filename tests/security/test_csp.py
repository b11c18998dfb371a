"""The Content-Security-Policy and the rules that let it forbid inline script (security issue, item 2).

- every response carries the policy: each page without URL arguments (as the command centre and
  anonymously), error pages, the API, static files, the admin's login and the Swagger UI;
- the policy runs script from this origin's files only (no 'unsafe-inline', no 'unsafe-eval'), and an
  operator's extra image origin is added, a malformed one refused at start-up;
- no template carries an inline <script> with a body, an on…= attribute, hx-on, an htmx trigger
  filter or a javascript: URL (all need inline script or eval, which the policy blocks), and the
  project's JS builds no HTML from strings (a grep, so none can come back unnoticed);
- the Swagger UI page has no inline script: its start-up script is a file of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import URLResolver, get_resolver

from fangkong.core import csp

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", *sorted((ROOT / "fangkong").glob("*/templates"))]
PROJECT_JS = ROOT / "static" / "js"


def directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


# ---- the header on every response


def _paths_without_arguments() -> list[str]:
    def walk(resolver, prefix=""):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                yield from walk(p, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern)

    return sorted({"/" + p for p in walk(get_resolver()) if "<" not in p and "(?" not in p and not p.startswith("admin/")})


def _assert_policy(response, what: str) -> None:
    header = response.get(csp.HEADER)
    assert header, f"{what} answered {response.status_code} without {csp.HEADER}"
    d = directives(header)
    assert d["script-src"] == ["'self'"], (what, header)
    assert d["object-src"] == ["'none'"] and d["frame-ancestors"] == ["'none'"], (what, header)


def test_every_page_and_answer_carries_the_policy(users, client):
    paths = _paths_without_arguments()
    assert len(paths) > 60  # the walk found the modules' pages
    html = 0
    anonymous = Client()
    client.force_login(users["command"])
    for path in paths:
        for who, c in (("command", client), ("anonymous", anonymous)):
            response = c.get(path)
            _assert_policy(response, f"GET {path} ({who})")
            html += response.get("Content-Type", "").startswith("text/html")
    assert html > 60


def test_error_pages_the_api_static_files_and_the_admin_carry_the_policy(users, client, city):
    from fangkong.geo.models import Person

    client.force_login(users["community"])
    outside = Person.objects.get(name="马丽")  # another district: 404, like a missing one
    for path, status in [
        ("/no/such/page/", 404),
        (f"/places/people/{outside.pk}/", 404),
        ("/api/people/", 200),
        ("/static/js/fangkong.js", 200),
        ("/static/vendor/htmx/htmx.min.js", 200),
        ("/admin/login/", 403),  # signed in but not staff (the admin signs nobody in itself)
        ("/api/docs/", 200),
        ("/api/docs/?script", 200),
        ("/api/redoc/", 200),
    ]:
        response = client.get(path)
        assert response.status_code == status, (path, response.status_code)
        _assert_policy(response, f"GET {path}")
    response = client.post("/places/people/", {})  # a method the page does not take
    _assert_policy(response, "POST /places/people/")


def test_only_redoc_may_start_a_worker_from_a_blob(users, client):
    client.force_login(users["command"])
    assert directives(client.get("/api/redoc/").headers[csp.HEADER])["worker-src"] == ["'self'", "blob:"]
    assert "worker-src" not in directives(client.get("/api/docs/").headers[csp.HEADER])
    assert "worker-src" not in directives(client.get("/").headers[csp.HEADER])


def test_the_policy_allows_script_from_our_files_only():
    d = directives(csp.policy())
    assert d == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }


def test_an_operator_adds_a_map_tile_origin_to_img_src(settings, users, client):
    settings.FANGKONG_CSP_IMG_EXTRA = ("https://tiles.example.org", "https://*.tile.example.net:8443/osm/")
    client.force_login(users["command"])
    d = directives(client.get("/").headers[csp.HEADER])
    assert d["img-src"] == ["'self'", "data:", "https://tiles.example.org", "https://*.tile.example.net:8443/osm/"]
    assert d["script-src"] == ["'self'"]


@pytest.mark.parametrize(
    "bad",
    ["https://tiles.example.org; script-src 'unsafe-inline'", "'unsafe-inline'", "*", "https:", "data:", "javascript:alert(1)"],
)
def test_a_malformed_extra_origin_stops_the_server(settings, bad):
    settings.FANGKONG_CSP_IMG_EXTRA = (bad,)
    with pytest.raises(ImproperlyConfigured):
        csp.ContentSecurityPolicyMiddleware(lambda request: None)


def test_the_extra_origins_come_from_the_environment(monkeypatch):
    import importlib

    import config.settings.base as base

    monkeypatch.setenv("FANGKONG_CSP_IMG_EXTRA", "https://a.example.org, https://b.example.org")
    try:
        assert importlib.reload(base).FANGKONG_CSP_IMG_EXTRA == ("https://a.example.org", "https://b.example.org")
    finally:
        monkeypatch.delenv("FANGKONG_CSP_IMG_EXTRA")
        importlib.reload(base)


# ---- no inline script in the templates, no HTML from strings in our JS


def _templates() -> list[Path]:
    files = [p for d in TEMPLATE_DIRS for p in d.rglob("*.html")]
    assert len(files) > 100
    return files


SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
EVENT_ATTRIBUTE = re.compile(r"""<[a-z][^>]*?\s(on[a-z]+)\s*=""", re.I | re.S)
# htmx features that evaluate text as script: hx-on*, trigger filters ("every 30s [cond()]"),
# "js:"/"javascript:" values in hx-vals / hx-vars.
HTMX_EVAL = re.compile(r"""hx-on[:\-]|hx-vars|hx-trigger\s*=\s*["'][^"']*\[|hx-vals\s*=\s*["']\s*(js|javascript):""", re.I)
JAVASCRIPT_URL = re.compile(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


def test_no_template_has_inline_script_or_event_handler_attributes():
    found = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        for m in SCRIPT.finditer(text):
            attrs, body = m.group(1), m.group(2)
            if body.strip() or "src=" not in attrs:
                found.append(f"{where}: inline <script{attrs}> — move it to static/js/, data through json_script")
        found += [f"{where}: {m.group(1)}= attribute — use a data-fk-* behaviour (fangkong.js)" for m in EVENT_ATTRIBUTE.finditer(text)]
        found += [f"{where}: {m.group(0)!r} needs eval" for m in HTMX_EVAL.finditer(text)]
        found += [f"{where}: javascript: URL" for m in JAVASCRIPT_URL.finditer(text)]
    assert not found, "\n".join(found)


def test_the_grep_finds_what_it_forbids():
    """The patterns above, on the lines this change removed (so the test cannot pass by matching nothing)."""
    samples = [
        "<script>\n(function () { var data = 1; })();\n</script>",
        '<input type="date" onchange="this.form.submit()">',
        '<button class="btn"\n onclick="return confirm(\'x\')">',
        '<div hx-on::before-swap="if (event.detail.xhr.status === 422) {}">',
        '<div hx-get="/" hx-trigger="every 30s [fkBoardIdle()]">',
    ]
    for sample in samples:
        assert SCRIPT.search(sample) or EVENT_ATTRIBUTE.search(sample) or HTMX_EVAL.search(sample), sample
    # and not on what stays: data attributes, json_script, script files, Django's own tags
    fine = '<form data-fk-confirm="确定？"><input data-fk-autosubmit hx-trigger="change, submit"><script src="/static/js/x.js"></script>'
    assert not (SCRIPT.search(fine) and SCRIPT.search(fine).group(2).strip()) and not EVENT_ATTRIBUTE.search(fine)
    assert not HTMX_EVAL.search(fine)


def test_project_js_builds_no_html_from_strings():
    """innerHTML and friends parse text as markup: a person's name there is an injection. Our files set
    textContent or copy elements; an ECharts formatter (its tooltip is HTML) escapes every value."""
    files = sorted(PROJECT_JS.glob("*.js"))
    assert files
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for bad in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", 'setTimeout("'):
            if bad in text:
                found.append(f"{path.name}: {bad}")
        if re.search(r"\bformatter\s*:\s*(function|\w+\s*[,}])", text) and "echarts.format.encodeHTML" not in text:
            found.append(f"{path.name}: an ECharts formatter without echarts.format.encodeHTML")
    assert not found, found


def test_pages_turn_htmx_eval_off(users, client):
    client.force_login(users["command"])
    html = client.get("/").content.decode()
    assert """<meta name="htmx-config" content='{"allowEval": false, "allowScriptTags": false}'>""" in html


def test_the_swagger_ui_page_has_no_inline_script(users, client):
    client.force_login(users["command"])
    page = client.get("/api/docs/").content.decode()
    scripts = SCRIPT.findall(page)
    assert scripts and all(not body.strip() and "src=" in attrs for attrs, body in scripts), scripts
    script = client.get("/api/docs/?script")
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
