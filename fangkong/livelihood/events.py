"""Audit event types of 民生保障 (registered with the platform from its registry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LivelihoodEvent(models.TextChoices):
    ENTRY_ADDED = "livelihood.entry_added", _("特殊困难群体台账登记")
    ENTRY_CHANGED = "livelihood.entry_changed", _("特殊困难群体台账修改")
    ENTRIES_FROM_REGISTRY = "livelihood.entries_from_registry", _("按户籍标签生成台账")
    VISIT_RECORDED = "livelihood.visit_recorded", _("入户摸排记录")
    GROUP_ADDED = "livelihood.group_added", _("组建上门服务工作组")
    MEMBER_ADDED = "livelihood.member_added", _("添加工作组成员")
    PAIRED = "livelihood.paired", _("结成帮扶对子")
    UNPAIRED = "livelihood.unpaired", _("解除帮扶对子")
    REQUEST_ADDED = "livelihood.request_added", _("登记居民需求")
    REQUEST_DELIVERED = "livelihood.request_delivered", _("物资送达")
    REQUEST_CONFIRMED = "livelihood.request_confirmed", _("确认收到物资")
    REQUEST_CANCELLED = "livelihood.request_cancelled", _("取消需求")
    REQUEST_REASSIGNED = "livelihood.request_reassigned", _("改派需求")
    DELIVERY_CANCELLED = "livelihood.delivery_cancelled", _("撤销配送（物资退库）")
    SUPPLY_REQUESTED = "livelihood.supply_requested", _("申领物资")
    SUPPLY_DECIDED = "livelihood.supply_decided", _("审批物资申领")
    SUPPLY_REQUEST_CANCELLED = "livelihood.supply_request_cancelled", _("撤回物资申领")
    PROGRAMME_ADDED = "livelihood.programme_added", _("设立消费券发放方案")
    VOUCHERS_ISSUED = "livelihood.vouchers_issued", _("发放消费券")
    VOUCHER_REDEEMED = "livelihood.voucher_redeemed", _("核销消费券")
    STOCK_RECEIVED = "livelihood.stock_received", _("物资入库")
    STOCK_ISSUED = "livelihood.stock_issued", _("物资出库发放")
    STOCK_TRANSFERRED = "livelihood.stock_transferred", _("物资调拨")
    STOCK_COUNTED = "livelihood.stock_counted", _("物资盘点")
    BUDGET_SET = "livelihood.budget_set", _("设定救助预算")
    RELIEF_DISBURSED = "livelihood.relief_disbursed", _("发放补贴、救助")
