"""Chinese is the interface's first language; English only when the user switches."""

from django.urls import reverse


def test_chinese_by_default_even_for_an_english_browser(client, users):
    client.force_login(users["community"])
    page = client.get(reverse("reports:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "总览" in page.content.decode()


def test_switching_to_english_sticks(client, users):
    client.force_login(users["community"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("reports:home"))
    html = page.content.decode()
    assert "Overview" in html and "区域与人口" not in html
