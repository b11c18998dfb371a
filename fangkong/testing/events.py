"""Audit event types of the 快检 app, registered with the platform from its registry (no migration per new type)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TestingEvent(models.TextChoices):
    __test__ = False  # not a pytest test class

    ROUND_PLANNED = "testing.round_planned", _("安排核酸检测轮次")
    ROUND_STATUS_CHANGED = "testing.round_status_changed", _("轮次状态变更")
    LABORATORY_CREATED = "testing.laboratory_created", _("新建检测机构")
    SAMPLING_POINT_CREATED = "testing.sampling_point_created", _("新建采样点")
    TUBE_OPENED = "testing.tube_opened", _("开管")
    BINDINGS_ADDED = "testing.bindings_added", _("采样登记")
    TUBE_CLOSED = "testing.tube_closed", _("封管")
    TUBES_RECEIVED = "testing.tubes_received", _("实验室接收")
    RESULTS_INGESTED = "testing.results_ingested", _("上传检测结果")
    RESULT_SUPERSEDED = "testing.result_superseded", _("更正检测结果")
    POOL_POSITIVE_ACTIONS = "testing.pool_positive_actions", _("混管阳性处置")
    POSITIVE_CONFIRMED = "testing.positive_confirmed", _("单管阳性待处置")
    POSITIVES_HANDED_OVER = "testing.positives_handed_over", _("阳性移交快转")
    CONTROL_LIFTED = "testing.control_lifted", _("解除就地管控")
    RESAMPLE_COLLECTED = "testing.resample_collected", _("上门单采")
    HOUSEHOLD_CHECKED = "testing.household_checked", _("入户核查")
    PERSON_REGISTERED_ON_SPOT = "testing.person_registered_on_spot", _("采样点现场登记人员")
    DOOR_SAMPLING_PLANNED = "testing.door_sampling_planned", _("安排高风险区上门采样")
    DOOR_SAMPLED = "testing.door_sampled", _("高风险区上门采样")


ROUND_PLANNED = TestingEvent.ROUND_PLANNED
ROUND_STATUS_CHANGED = TestingEvent.ROUND_STATUS_CHANGED
LABORATORY_CREATED = TestingEvent.LABORATORY_CREATED
SAMPLING_POINT_CREATED = TestingEvent.SAMPLING_POINT_CREATED
TUBE_OPENED = TestingEvent.TUBE_OPENED
BINDINGS_ADDED = TestingEvent.BINDINGS_ADDED
TUBE_CLOSED = TestingEvent.TUBE_CLOSED
TUBES_RECEIVED = TestingEvent.TUBES_RECEIVED
RESULTS_INGESTED = TestingEvent.RESULTS_INGESTED
RESULT_SUPERSEDED = TestingEvent.RESULT_SUPERSEDED
POOL_POSITIVE_ACTIONS = TestingEvent.POOL_POSITIVE_ACTIONS
POSITIVE_CONFIRMED = TestingEvent.POSITIVE_CONFIRMED
CONTROL_LIFTED = TestingEvent.CONTROL_LIFTED
RESAMPLE_COLLECTED = TestingEvent.RESAMPLE_COLLECTED
HOUSEHOLD_CHECKED = TestingEvent.HOUSEHOLD_CHECKED
POSITIVES_HANDED_OVER = TestingEvent.POSITIVES_HANDED_OVER
PERSON_REGISTERED_ON_SPOT = TestingEvent.PERSON_REGISTERED_ON_SPOT
DOOR_SAMPLING_PLANNED = TestingEvent.DOOR_SAMPLING_PLANNED
DOOR_SAMPLED = TestingEvent.DOOR_SAMPLED
