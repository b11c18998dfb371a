"""What a result sets going for a person: in-place control (就地管控) and the confirmed positive
awaiting case handling."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.geo.models import PersonPlaces
from fangkong.policy.models import citation_column, cited_text
from fangkong.zoning.choices import FoundIn

from ..choices import ControlStatus, PositiveStatus
from ..querysets import TestingQuerySet
from .results import TubeResult
from .rounds import TestingRound
from .tubes import Tube


class PersonControl(PersonPlaces, TimeStampedModel):
    """就地管控: a person kept at home until a negative single re-test."""

    round = models.ForeignKey(TestingRound, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    origin_tube = models.ForeignKey(Tube, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("原因"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=ControlStatus.choices, default=ControlStatus.ACTIVE)
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    ended_reason = models.CharField(_("解除原因"), max_length=200, blank=True)

    objects = TestingQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "id"]
        indexes = [models.Index(fields=["person", "status"], name="testing_control_person")]
        verbose_name = _("就地管控")

    def __str__(self) -> str:
        return f"{self.person_id} {self.reason}"


class ConfirmedPositive(PersonPlaces, TimeStampedModel):
    """A person whose single tube was positive: awaiting case handling (the cases issue consumes this)."""

    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="positives")
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="+")
    result = models.ForeignKey(TubeResult, on_delete=models.PROTECT, related_name="+")
    ct_orf1ab = models.FloatField(_("ORF1ab Ct"), null=True, blank=True)
    ct_n = models.FloatField(_("N Ct"), null=True, blank=True)
    detected_at = models.DateTimeField(_("检出时间"))
    found_in = models.CharField(_("发现场所"), max_length=16, choices=FoundIn.choices)
    found_in_basis = models.CharField(_("发现场所依据"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=PositiveStatus.choices, default=PositiveStatus.AWAITING_CASE)
    decision_citation = citation_column(_("判定依据"))  # the text: decided_by

    objects = TestingQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], condition=~Q(status="withdrawn"), name="testing_one_positive_per_round"),
        ]
        verbose_name = _("阳性（待处置）")

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_status_display()}"

    decided_by = cited_text("decision_citation", "The threshold rule that made the result positive, cited in full.")
