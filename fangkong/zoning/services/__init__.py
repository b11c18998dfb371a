"""Writes of risk areas: propose (declaring), approve, reject, lift and the daily review (deciding),
and the plain record of an area decided elsewhere (record)."""

from .deciding import area_approve, area_lift, area_reject, lifting_review
from .declaring import area_propose
from .record import area_declare

__all__ = ["area_approve", "area_declare", "area_lift", "area_propose", "area_reject", "lifting_review"]
