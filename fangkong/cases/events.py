"""Audit event types of the 快转 app, registered with the platform from its registry (no migration per new type)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CasesEvent(models.TextChoices):
    FACILITY_SAVED = "cases.facility_saved", _("保存定点医院或方舱医院")
    BEDS_SET = "cases.beds_set", _("设置床位")
    OPENED = "cases.opened", _("登记病例")
    OPENED_FROM_QUEUE = "cases.opened_from_queue", _("阳性转病例（批量）")
    CLASSIFIED = "cases.classified", _("临床分型")
    WITHDRAWN = "cases.withdrawn", _("撤销病例")
    TRANSFER_DISPATCHED = "cases.transfer_dispatched", _("派车转运")
    TRANSFER_PICKED_UP = "cases.transfer_picked_up", _("接到患者")
    TRANSFER_ADMITTED = "cases.transfer_admitted", _("入院收治")
    TRANSFER_REFUSED = "cases.transfer_refused", _("拒收退回待转运")
    TEST_RECORDED = "cases.test_recorded", _("登记病例核酸检测")
    DISCHARGED = "cases.discharged", _("出院")
    MONITORING_COMPLETED = "cases.monitoring_completed", _("解除居家健康监测")
    CARE_REOPENED = "cases.care_reopened", _("复阳再收治")


FACILITY_SAVED = CasesEvent.FACILITY_SAVED
BEDS_SET = CasesEvent.BEDS_SET
OPENED = CasesEvent.OPENED
OPENED_FROM_QUEUE = CasesEvent.OPENED_FROM_QUEUE
CLASSIFIED = CasesEvent.CLASSIFIED
WITHDRAWN = CasesEvent.WITHDRAWN
TRANSFER_DISPATCHED = CasesEvent.TRANSFER_DISPATCHED
TRANSFER_PICKED_UP = CasesEvent.TRANSFER_PICKED_UP
TRANSFER_ADMITTED = CasesEvent.TRANSFER_ADMITTED
TRANSFER_REFUSED = CasesEvent.TRANSFER_REFUSED
TEST_RECORDED = CasesEvent.TEST_RECORDED
DISCHARGED = CasesEvent.DISCHARGED
MONITORING_COMPLETED = CasesEvent.MONITORING_COMPLETED
CARE_REOPENED = CasesEvent.CARE_REOPENED
