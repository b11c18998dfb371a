"""Cross-site request forgery: a page on another site makes the signed-in commander's browser post a
form to the platform (reveal an ID number, withdraw a case …). Django's CsrfViewMiddleware refuses
such a POST (no token from our page); these tests perform it, and keep any view from opting out."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.geo.models import Person

# Views that may skip the check, each with its reason. Nothing that changes data.
CSRF_EXEMPT = {
    "api_not_found": "the API's JSON 404 for URLs that are no endpoint: answers every method, changes nothing",
}


def _callbacks(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _callbacks(pattern, namespace)
        elif isinstance(pattern, URLPattern):
            yield f"{prefix}{pattern.name or pattern.pattern}", pattern.callback


def test_the_middleware_is_on():
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE


def test_no_view_skips_the_check_but_the_listed_ones():
    """Pages: none skips the middleware's check. API views are exempt from the middleware by DRF's
    design; there a browser session is checked by SessionAuthentication (which enforces CSRF) and a
    token is no cookie a foreign page could send: no other authentication is allowed."""
    from rest_framework.authentication import SessionAuthentication
    from rest_framework.views import APIView

    from fangkong.accounts.authentication import ApiTokenAuthentication

    pages, api = [], []
    for name, callback in _callbacks(get_resolver()):
        cls = getattr(callback, "cls", None)
        if isinstance(cls, type) and issubclass(cls, APIView):
            api.append((name, cls))
        elif getattr(callback, "csrf_exempt", False):
            pages.append(name)
    assert set(pages) <= set(CSRF_EXEMPT), f"pages that skip the CSRF check without a reason in CSRF_EXEMPT: {pages}"
    allowed = (SessionAuthentication, ApiTokenAuthentication)
    for name, cls in api:
        for auth in cls.authentication_classes:
            assert issubclass(auth, allowed), f"{name}: {auth.__name__} may take a cookie without the CSRF check"


def test_a_forged_reveal_from_another_site_is_refused_and_reveals_nothing(city, users):
    browser = Client(enforce_csrf_checks=True)  # the commander's browser, signed in
    browser.force_login(users["command"])
    person = Person.objects.get(name="王秀英")
    url = reverse("geo:person_reveal_id", args=[person.pk])
    # the attacker's page posts the form without our CSRF token (it cannot read it)
    forged = browser.post(url, {"reason": "核对身份信息"}, HTTP_ORIGIN="https://evil.example", HTTP_REFERER="https://evil.example/x")
    assert forged.status_code == 403
    assert decrypt(person.id_cipher) not in forged.content.decode()
    assert not AuditEvent.objects.filter(event_type=EventType.ID_REVEALED).exists()
    # the same browser, from our own page with its token: revealed and audited
    page = browser.get(url)
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else browser.cookies["csrftoken"].value
    own = browser.post(url, {"reason": "核对身份信息", "csrfmiddlewaretoken": token})
    assert own.status_code == 200 and decrypt(person.id_cipher) in own.content.decode()
    assert AuditEvent.objects.filter(event_type=EventType.ID_REVEALED).count() == 1


def test_a_forged_api_write_with_the_session_is_refused(city, users):
    """The API accepts a browser session too: without the CSRF header a cross-site POST is refused."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["command"])
    person = Person.objects.get(name="王秀英")
    response = browser.post(f"/api/people/{person.pk}/reveal/", {"reason": "核对身份信息"}, content_type="application/json")
    assert response.status_code == 403 and response.json()["rule"] == "api.permission"
    assert not AuditEvent.objects.filter(event_type=EventType.ID_REVEALED).exists()
