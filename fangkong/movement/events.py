"""Audit event types of orderly movement (registered with the platform from its registry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MovementEvent(models.TextChoices):
    PASS_REQUESTED = "movement.pass_requested", _("申请车辆通行证")
    PASS_APPROVED = "movement.pass_approved", _("审批签发车辆通行证")
    PASS_REVOKED = "movement.pass_revoked", _("撤销车辆通行证")
    PASS_SCANNED = "movement.pass_scanned", _("卡口核验通行证")
    PASS_SCAN_REFUSED = "movement.pass_scan_refused", _("卡口拒绝通行证")
    DEPARTURE_FILED = "movement.departure_filed", _("提交离开申请")
    SELF_APPLIED = "movement.self_applied", _("居民自助提交离开申请")
    SELF_APPLIED_AGAIN = "movement.self_applied_again", _("居民重复提交离开申请")
    SELF_CONFIRMED = "movement.self_confirmed", _("社区核实居民自助申请")
    SELF_REJECTED = "movement.self_rejected", _("居民自助申请未通过核实")
    DEPARTURES_DECIDED = "movement.departures_decided", _("审核离开申请")
    DEPARTURE_GROUP_CREATED = "movement.departure_group_created", _("新建离开班次")
    DEPARTURE_PASSENGERS_ASSIGNED = "movement.departure_passengers_assigned", _("编排班次乘客")
    CHECKPOINT_CREATED = "movement.checkpoint_created", _("设立卡口")
    CHECKPOINT_APPROVED = "movement.checkpoint_approved", _("批准设立卡口")
    CHECKPOINT_REJECTED = "movement.checkpoint_rejected", _("不批准设立卡口")
    CHECKPOINT_FEVER = "movement.checkpoint_fever", _("卡口发现体温异常")
    CHECKPOINT_SHIFTS_ADDED = "movement.checkpoint_shifts_added", _("排卡口值守班次")
    CHECKPOINT_SHIFT_CANCELLED = "movement.checkpoint_shift_cancelled", _("取消卡口值守班次")
    BATCH_CREATED = "movement.batch_created", _("新建点对点转运批次")
    BATCH_CHECKED = "movement.batch_checked", _("转运批次出发前检测")
    BATCH_PLANNED = "movement.batch_planned", _("转运批次运输计划")
    BATCH_BOARDED = "movement.batch_boarded", _("转运批次登车核验")
    BATCH_DEPARTED = "movement.batch_departed", _("转运批次出发")
    BATCH_SPLIT = "movement.batch_split", _("未就绪人员转入下一批")
    BATCH_HANDED_OVER = "movement.batch_handed_over", _("转运批次到达交接")
    BATCH_HANDOVER_REFUSED = "movement.batch_handover_refused", _("接收单位交接核对不符（记录未到人员）")
    BATCH_HANDOVER_LINK_ISSUED = "movement.batch_handover_link_issued", _("签发交接确认链接")
    BATCH_RECEIVER_SET = "movement.batch_receiver_set", _("为途中批次指定接收单位")
