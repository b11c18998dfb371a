"""Every URL the project serves (config/urls.py, with config/api_urls.py under /api/) is either in the
scoping harness (tests/scoping/endpoints.py: ENDPOINTS) or exempt with its reason (EXEMPT): a new
page or API route fails here until someone says which it is."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from .endpoints import ENDPOINTS, EXEMPT, EXEMPT_NAMESPACES


def url_names(resolver: URLResolver | None = None, namespace: str = "") -> dict[str, str]:
    """name → the route it answers, for every named pattern (unnamed ones as "<unnamed: route>")."""
    names: dict[str, str] = {}
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}".strip(":") if pattern.namespace else namespace
            for name, route in url_names(pattern, inner).items():
                names.setdefault(name, f"{pattern.pattern}{route}")
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"<unnamed: {pattern.pattern}>"
            names.setdefault(f"{namespace}:{name}" if namespace else name, str(pattern.pattern))
    return names


def test_every_url_is_in_the_harness_or_exempt_with_a_reason():
    names = url_names()
    covered = {e.name for e in ENDPOINTS}
    exempt = set(EXEMPT)
    missing = sorted(
        f"{name}  ({route})"
        for name, route in names.items()
        if name not in covered | exempt and name.split(":")[0] not in EXEMPT_NAMESPACES
    )
    assert not missing, "URLs neither in tests/scoping/endpoints.py ENDPOINTS nor in EXEMPT:\n" + "\n".join(missing)


def test_the_harness_and_the_exemptions_name_urls_that_exist_once():
    names = set(url_names())
    listed = [e.name for e in ENDPOINTS] + list(EXEMPT)
    assert sorted(n for n in listed if n not in names) == [], "no such URL (renamed or removed?)"
    # a URL may be in the harness more than once, each time with another query (a drill-down level)
    calls = [(e.name, e.query) for e in ENDPOINTS] + [(n, "") for n in EXEMPT]
    assert len(calls) == len(set(calls)), "a URL is listed twice"
    assert all(reason.strip() for reason in (*EXEMPT.values(), *EXEMPT_NAMESPACES.values())), "every exemption gives its reason"
