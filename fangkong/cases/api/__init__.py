"""cases API (being built): `register(router)` adds its endpoints to the one API router."""

from typing import Any


def register(router: Any) -> None:
    return None
