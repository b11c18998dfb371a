"""Audit event types of the 快隔 and 流调 app, registered with the platform from its registry (no migration per new type)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IsolationEvent(models.TextChoices):
    SITE_CREATED = "isolation.site_created", _("新建隔离点")
    ROOMS_CREATED = "isolation.rooms_created", _("新建隔离房间")
    STAFF_ADDED = "isolation.staff_added", _("登记隔离点工作人员")
    EPISODE_OPENED = "isolation.episode_opened", _("登记待隔离人员")
    TRANSFER_STARTED = "isolation.transfer_started", _("转运至隔离点")
    CHECKED_IN = "isolation.checked_in", _("入住隔离点")
    ROOM_ASSIGNED = "isolation.room_assigned", _("分配隔离房间")
    TEST_RECORDED = "isolation.test_recorded", _("登记隔离期核酸结果")
    TURNED_POSITIVE = "isolation.turned_positive", _("隔离期间检出阳性")
    POSITIVE_HANDOFF = "isolation.positive_handoff", _("阳性移交快转")
    RELEASE_ORDERED = "isolation.release_ordered", _("解除集中隔离")
    HANDOVER_CONFIRMED = "isolation.handover_confirmed", _("手递手交接确认")
    HOME_STARTED = "isolation.home_started", _("开始居家隔离")
    HOME_CHECK_RECORDED = "isolation.home_check_recorded", _("居家隔离每日核查")
    EPISODE_COMPLETED = "isolation.episode_completed", _("隔离期满解除")
    EPISODE_CANCELLED = "isolation.episode_cancelled", _("撤销隔离")
    INBOUND_REGISTERED = "isolation.inbound_registered", _("入境人员登记")
    CHECKLIST_RECORDED = "isolation.checklist_recorded", _("隔离点每日内部管理检查")
    INCIDENT_RECORDED = "isolation.incident_recorded", _("隔离点突发事件")
    INCIDENT_RESOLVED = "isolation.incident_resolved", _("隔离点突发事件处置完毕")
    CONTACT_ADDED = "isolation.contact_added", _("流调登记密接（次密接）")
    CONTACT_LINKED = "isolation.contact_linked", _("密接关联其他病例")
    CONTACT_UPGRADED = "isolation.contact_upgraded", _("次密接改判为密接")
    CONTACT_TURNED_CASE = "isolation.contact_turned_case", _("密接转为病例")
    CONTACT_ISOLATION_RESTORED = "isolation.contact_isolation_restored", _("病例撤销，密接恢复隔离")


SITE_CREATED = IsolationEvent.SITE_CREATED
ROOMS_CREATED = IsolationEvent.ROOMS_CREATED
STAFF_ADDED = IsolationEvent.STAFF_ADDED
EPISODE_OPENED = IsolationEvent.EPISODE_OPENED
TRANSFER_STARTED = IsolationEvent.TRANSFER_STARTED
CHECKED_IN = IsolationEvent.CHECKED_IN
ROOM_ASSIGNED = IsolationEvent.ROOM_ASSIGNED
TEST_RECORDED = IsolationEvent.TEST_RECORDED
TURNED_POSITIVE = IsolationEvent.TURNED_POSITIVE
POSITIVE_HANDOFF = IsolationEvent.POSITIVE_HANDOFF
RELEASE_ORDERED = IsolationEvent.RELEASE_ORDERED
HANDOVER_CONFIRMED = IsolationEvent.HANDOVER_CONFIRMED
HOME_STARTED = IsolationEvent.HOME_STARTED
HOME_CHECK_RECORDED = IsolationEvent.HOME_CHECK_RECORDED
EPISODE_COMPLETED = IsolationEvent.EPISODE_COMPLETED
EPISODE_CANCELLED = IsolationEvent.EPISODE_CANCELLED
INBOUND_REGISTERED = IsolationEvent.INBOUND_REGISTERED
CHECKLIST_RECORDED = IsolationEvent.CHECKLIST_RECORDED
INCIDENT_RECORDED = IsolationEvent.INCIDENT_RECORDED
INCIDENT_RESOLVED = IsolationEvent.INCIDENT_RESOLVED
CONTACT_ADDED = IsolationEvent.CONTACT_ADDED
CONTACT_LINKED = IsolationEvent.CONTACT_LINKED
CONTACT_UPGRADED = IsolationEvent.CONTACT_UPGRADED
CONTACT_TURNED_CASE = IsolationEvent.CONTACT_TURNED_CASE
CONTACT_ISOLATION_RESTORED = IsolationEvent.CONTACT_ISOLATION_RESTORED
