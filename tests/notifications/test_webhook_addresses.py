"""Webhooks and the platform's own network (SSRF, security review B): a receiver URL naming, or
resolving to, an internal address (the machine, the private network, the cloud's metadata service)
is refused when saved and again at each POST unless the operator allows the host
(FANGKONG_WEBHOOK_ALLOWED_HOSTS); a receiver's redirect is not followed — so a hostile receiver
cannot make the worker GET an internal URL and read its status in the attempts; the environment's
proxies are not used, only FANGKONG_WEBHOOK_PROXY."""

from __future__ import annotations

import socket
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from fangkong.notifications.choices import DeliveryStatus, UnitLevel
from fangkong.notifications.models import Webhook, WebhookAttempt, WebhookDelivery
from fangkong.notifications.services.webhooks import webhook_send

pytestmark = pytest.mark.django_db
SECRET = "s3cret-of-the-city-sms-gateway-0123456789"


class Server:
    """A local HTTP server recording each request (method, path, headers) and answering `status`
    (with `location`, for a redirect)."""

    def __init__(self, status: int = 200, location: str = "") -> None:
        self.hits: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                if "Content-Length" in self.headers:
                    self.rfile.read(int(self.headers["Content-Length"]))
                server.hits.append((self.command, self.path, dict(self.headers)))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            do_GET = do_POST = _answer  # noqa: N815 (the http.server names)

            def log_message(self, *args) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.http.server_address[1]

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def serve() -> Iterator:
    started: list[Server] = []

    def start(status: int = 200, location: str = "") -> Server:
        started.append(Server(status, location))
        return started[-1]

    yield start
    for s in started:
        s.close()


def _send(url: str) -> tuple[bool, WebhookDelivery]:
    hook = Webhook.objects.create(name="网关", level=UnitLevel.CITY, url=url, secret=SECRET)  # saved as before the fix: no clean()
    delivery = WebhookDelivery.objects.create(webhook=hook, rule="r", event_key="e", payload={"rule": "r"})
    result = webhook_send(delivery.pk)
    delivery.refresh_from_db()
    return result.delivered, delivery


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",  # the cloud's metadata service
        "http://127.0.0.1:6379/",
        "http://10.0.0.5:8080/admin",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # shared address space
        "http://0.0.0.0:8000/",
        "http://224.0.0.1/",
        "http://[::1]:8000/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0x7f.1/",  # 127.0.0.1 as the resolver reads it
        "http://2130706433/",
        "http://localhost:8000/",
        "http://api.localhost/",
    ],
)
def test_an_internal_receiver_is_refused_when_the_webhook_is_saved(settings, url):
    settings.FANGKONG_WEBHOOK_ALLOWED_HOSTS = ()
    with pytest.raises(ValidationError) as refused:
        Webhook(name="x", level=UnitLevel.CITY, url=url, secret=SECRET).full_clean()
    assert any("本机、内网或保留地址" in message for message in refused.value.message_dict["url"])


def test_a_public_name_and_an_internal_host_the_operator_allows_are_accepted(settings):
    settings.FANGKONG_WEBHOOK_ALLOWED_HOSTS = ("sms.gov.internal", "10.20.0.5")
    for url in ("https://sms.example.org/hook", "http://sms.gov.internal:8080/hook", "http://10.20.0.5/hook"):
        Webhook(name="x", level=UnitLevel.CITY, url=url, secret=SECRET).full_clean()
    with pytest.raises(ValidationError):
        Webhook(name="x", level=UnitLevel.CITY, url="http://10.20.0.6/hook", secret=SECRET).full_clean()


def test_a_receivers_redirect_to_an_internal_url_is_not_followed(serve):
    # The attack: the receiver (the city's SMS gateway, hostile or compromised) answers 302 with an
    # internal URL; the worker followed it — a GET with the X-Fangkong-* headers — and recorded the
    # internal status (a port scanner), an internal 200 marking the delivery delivered.
    internal = serve()
    gateway = serve(302, f"http://127.0.0.1:{internal.port}/internal/admin?x=1")
    delivered, delivery = _send(f"http://127.0.0.1:{gateway.port}/hook")  # 127.0.0.1 allowed (the test settings)
    assert len(gateway.hits) == 1 and gateway.hits[0][0] == "POST"
    assert internal.hits == []
    assert not delivered and delivery.status == DeliveryStatus.PENDING
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code == 302 and "未跟随" in attempt.error and "/internal/admin" in attempt.error


def test_a_name_resolving_to_an_internal_address_is_not_posted_to(settings, serve, monkeypatch):
    # The attack: a public-looking name pointing inside the network, the machine's own name, or an
    # address stored before the check (in any of the forms the resolver reads).
    settings.FANGKONG_WEBHOOK_ALLOWED_HOSTS = ()
    inside = serve()
    real = socket.getaddrinfo

    def inside_name(host, port, *args, **kwargs):
        if host == "gateway.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", inside_name)
    hosts = ("gateway.example", "localhost", "127.0.0.1", "0x7f.1", "[::ffff:127.0.0.1]")
    for host in hosts:
        delivered, delivery = _send(f"http://{host}:{inside.port}/hook")
        assert not delivered and delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert inside.hits == []
    attempts = list(WebhookAttempt.objects.values_list("status_code", "error"))
    assert len(attempts) == len(hosts) and all(code is None for code, _ in attempts)
    assert "gateway.example 解析为内部地址 127.0.0.1" in attempts[0][1]
    assert all("本机、内网或保留地址" in error for _, error in attempts[1:])


def test_the_post_connects_to_the_address_that_was_checked(settings, serve, monkeypatch):
    # DNS rebinding: the name answers an allowed address to the check and the metadata address to
    # any later look-up. The POST goes to the address checked; the name is looked up once.
    settings.FANGKONG_WEBHOOK_ALLOWED_HOSTS = ("127.0.0.1",)
    receiver = serve()
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        address = "127.0.0.1" if len(asked) == 1 else "169.254.169.254"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    delivered, _delivery = _send(f"http://rebind.example:{receiver.port}/hook")
    assert delivered and asked == ["rebind.example"]
    assert receiver.hits[0][2]["Host"] == f"rebind.example:{receiver.port}"


def test_the_environments_proxy_is_not_used(serve, monkeypatch):
    # The attack: HTTP_PROXY in the worker's environment (set for other tools) carried every signed
    # delivery, bearer links included, through that proxy.
    proxy, receiver = serve(), serve()
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setattr(urllib.request, "_opener", None)  # as in a worker started with them (urlopen keeps its first opener)
    delivered, _delivery = _send(f"http://127.0.0.1:{receiver.port}/hook")
    assert delivered and len(receiver.hits) == 1 and proxy.hits == []


def test_the_configured_proxy_carries_the_post_and_its_redirect_is_not_followed(settings, serve, monkeypatch):
    proxy = serve(302, "http://169.254.169.254/latest/meta-data/")
    settings.FANGKONG_WEBHOOK_PROXY = f"http://127.0.0.1:{proxy.port}"
    real = socket.getaddrinfo

    def only_the_proxy_resolves(host, *args, **kwargs):
        if host == "sms.gov.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", only_the_proxy_resolves)
    delivered, _delivery = _send("http://sms.gov.example/hook")
    assert not delivered
    ((method, target, headers),) = proxy.hits
    assert (method, target, headers["Host"]) == ("POST", "http://sms.gov.example/hook", "sms.gov.example")
    assert WebhookAttempt.objects.get().status_code == 302
    # through the proxy too, an internal receiver is refused before anything is sent
    settings.FANGKONG_WEBHOOK_ALLOWED_HOSTS = ()
    delivered, _delivery = _send("http://10.0.0.5/hook")
    assert not delivered and len(proxy.hits) == 1
