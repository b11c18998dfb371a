"""The users of bench/load (run by `bench/load`, not by hand): signed-in staff reading the four pages
of the read mix, each with a session of its own that bench/load prepared (FKLOAD_PLAN, a JSON file).

Each user sends a request every FKLOAD_PACING seconds (constant pacing: think time = pacing − the
answer's time), or one after the other when it is 0 (the saturation run). Every request goes to
127.0.0.1 as the TLS proxy would forward it (X-Forwarded-Proto: https), so the Secure cookies and
the CSRF referer check work as in production. Pages by weight:

    overview (the landing page, /)          3
    door-knocking list (敲门行动)             3
    transfer board (快转, /cases/)            2
    person search (htmx POST, a surname)     2
"""

from __future__ import annotations

import itertools
import json
import os
import random
from urllib.parse import quote

from locust import FastHttpUser, constant, constant_pacing, task

PLAN = json.loads(open(os.environ["FKLOAD_PLAN"]).read())  # noqa: SIM115 - read once at import
PACING = float(os.environ.get("FKLOAD_PACING", "5"))
SESSIONS = itertools.cycle(PLAN["sessions"])
SURNAMES = PLAN["surnames"]


class Staff(FastHttpUser):
    host = PLAN["host"]
    wait_time = constant_pacing(PACING) if PACING > 0 else constant(0)
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        session = next(SESSIONS)
        self.rng = random.Random(session["sessionid"])
        self.headers = {
            "X-Forwarded-Proto": "https",
            "Accept-Language": "zh-hans",
            "Cookie": f"sessionid={session['sessionid']}; csrftoken={session['csrftoken']}",
        }
        self.csrf = session["csrftoken"]
        self.knock = session["knock"]
        self.origin = PLAN["origin"]

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, headers=self.headers, name=name, allow_redirects=False, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")

    @task(3)
    def overview(self) -> None:
        self._get("/", "overview /")

    @task(3)
    def door_knocking(self) -> None:
        self._get(self.knock, "door-knocking list")

    @task(2)
    def transfer_board(self) -> None:
        self._get("/cases/", "transfer board /cases/")

    @task(2)
    def person_search(self) -> None:
        headers = {
            **self.headers,
            "HX-Request": "true",
            "X-CSRFToken": self.csrf,
            "Referer": f"{self.origin}/places/people/",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        body = f"q={quote(self.rng.choice(SURNAMES))}"
        with self.client.post("/places/people/", data=body, headers=headers, name="person search", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
