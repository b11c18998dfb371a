"""敲门行动: a grid worker's checks of households and of residents not sampled."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.geo.models import PersonPlaces

from ..choices import CheckOutcome, StickerStatus
from ..querysets import TestingQuerySet
from .rounds import TestingRound


class HouseholdCheck(PersonPlaces):
    """敲门行动: a grid worker's check of one household in a round, with its sticker (核酸检测贴)."""

    round = models.ForeignKey(TestingRound, on_delete=models.CASCADE, related_name="+")
    sticker = models.CharField(_("检测贴"), max_length=16, choices=StickerStatus.choices, default=StickerStatus.NONE)
    checked_at = models.DateTimeField(_("核查时间"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = TestingQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "household"], name="testing_household_check_unique")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.get_sticker_display()}"


class PersonCheck(PersonPlaces):
    """Why a resident was not sampled (or that they were sampled on the spot), per round."""

    round = models.ForeignKey(TestingRound, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("geo.Person", on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("核查结果"), max_length=16, choices=CheckOutcome.choices)
    whereabouts = models.CharField(_("去向"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    checked_at = models.DateTimeField(_("核查时间"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = TestingQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="testing_person_check_unique")]
        indexes = [models.Index(fields=["round", "household"], name="testing_pcheck_household")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_outcome_display()}"
