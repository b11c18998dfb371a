"""快检 API (being built): `register(router)` adds the testing endpoints to the one API router."""

from typing import Any


def register(router: Any) -> None:
    return None
