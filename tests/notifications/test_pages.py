"""The notification centre's pages: the bell's count in the top bar, the user's own list (another
user's notification is not found), marking read, muting a rule; text from the data is escaped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.cases.alerts import POSITIVE_IN_COMMUNITY, TRANSFER_OVERDUE
from fangkong.notifications.models import Mute, Notification
from fangkong.notifications.services import deliver
from fangkong.zoning.alerts import AREA_DUE

pytestmark = pytest.mark.django_db


def _notify(user, n: int = 1, *, message: str = AREA_DUE, params=None, url: str = "/zoning/") -> list[Notification]:
    now = timezone.now()
    return [
        Notification.objects.create(
            recipient=user,
            rule="zoning.area_lift",
            event_key=f"e{i}",
            message=message,
            params=params or {"area": f"小区{i}", "area_class": "sealed", "days": 1},
            url=url,
            occurred_at=now - dt.timedelta(minutes=i),
        )
        for i in range(n)
    ]


def test_the_bell_shows_the_unread_count_in_one_query(client, users, django_assert_max_num_queries):
    _notify(users["command"], 3)
    client.force_login(users["command"])
    page = client.get(reverse("notifications:bell"))
    assert 'data-unread="3"' in page.content.decode()
    home = client.get("/")
    assert 'data-unread="3"' in home.content.decode()
    from fangkong.notifications.selectors import unread_count

    with django_assert_max_num_queries(1):
        assert unread_count(users["command"]) == 3


def test_the_list_shows_my_notifications_only_paginated(client, users):
    _notify(users["command"], 30)
    _notify(users["district"], 1, params={"area": "别人的区域", "area_class": "sealed", "days": 1})
    client.force_login(users["command"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert "小区29" in page and "别人的区域" not in page  # the newest first
    assert "1 / 2" in page
    assert "小区0（" in client.get(reverse("notifications:list") + "?page=2").content.decode()


def test_mark_read_and_mark_all_read(client, users):
    first, *_ = _notify(users["command"], 3)
    client.force_login(users["command"])
    answer = client.post(reverse("notifications:open", args=[first.pk]))
    assert answer.status_code == 302 and answer["Location"] == "/zoning/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "data-unread" not in client.get(reverse("notifications:bell")).content.decode()


def test_another_users_notification_is_not_found(client, users):
    theirs = _notify(users["district"], 1)[0]
    client.force_login(users["command"])
    assert client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    client.post(reverse("notifications:read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_signed_out_users_are_sent_to_the_login_page(client, users):
    assert client.get(reverse("notifications:list")).status_code == 302
    assert client.get(reverse("notifications:bell")).status_code == 204  # the poll leaves the bell alone


def test_a_user_mutes_and_unmutes_a_rule_of_their_role(client, users, positives):
    client.force_login(users["community"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert "本社区（网格）发现阳性" in page
    client.post(reverse("notifications:mute", args=[POSITIVE_IN_COMMUNITY]), {"muted": "1"})
    assert Mute.objects.filter(user=users["community"], rule=POSITIVE_IN_COMMUNITY).exists()
    deliver(now=timezone.now())
    assert not Notification.objects.filter(recipient=users["community"]).exists()
    client.post(reverse("notifications:mute", args=[POSITIVE_IN_COMMUNITY]), {"muted": "0"})
    assert not Mute.objects.exists()


def test_a_rule_the_role_does_not_receive_cannot_be_muted(client, users):
    client.force_login(users["community"])
    assert client.post(reverse("notifications:mute", args=[TRANSFER_OVERDUE]), {"muted": "1"}).status_code == 404
    assert client.post(reverse("notifications:mute", args=["no.such.rule"]), {"muted": "1"}).status_code == 404


def test_text_from_the_data_is_escaped(client, users):
    _notify(users["command"], 1, params={"area": "<script>alert(1)</script>", "area_class": "sealed", "days": 1})
    client.force_login(users["command"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("url", ["//evil.example/", "/\\evil.example/", "/\\/evil.example/"])
def test_a_link_that_leaves_the_site_is_not_followed(client, users, url):
    """A path starting "/\\host" is another host to a browser, as "//host" is."""
    n = _notify(users["command"], 1, url=url)[0]
    client.force_login(users["command"])
    answer = client.post(reverse("notifications:open", args=[n.pk]))
    assert answer["Location"] == reverse("notifications:list")
    answer = client.post(reverse("notifications:read_all"), {"next": "https://evil.example/"})
    assert answer["Location"] == reverse("notifications:list")


def test_the_bell_counts_up_to_its_cap(client, users):
    _notify(users["command"], 120)
    client.force_login(users["command"])
    bell = client.get(reverse("notifications:bell")).content.decode()
    assert "99+" in bell and 'data-unread="100"' in bell
    assert "120" in client.get(reverse("notifications:list")).content.decode()  # the list page counts them all
