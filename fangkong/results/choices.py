"""The one vocabulary of a nucleic-acid test's result, whatever recorded it (a round's tube, an
isolation site's scheduled test, a hospital's test of a case)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Result(models.TextChoices):
    NEGATIVE = "negative", _("阴性")
    POSITIVE = "positive", _("阳性")
    INVALID = "invalid", _("无效，须重采")


# Results that count as "back" (an invalid sample must be taken again).
RESULTS_BACK = (Result.NEGATIVE, Result.POSITIVE)
