"""The vocabularies of 民生保障: what a resident needs, who serves them, what they ask for, how it
reaches them, and the states a request and a voucher move through (with the allowed moves)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Need(models.TextChoices):
    FOOD = "food", _("生活物资")
    MEDICINE = "medicine", _("药品")
    MEDICAL_VISIT = "medical_visit", _("就医")
    CARE = "care", _("照护")


class EntrySource(models.TextChoices):
    REGISTRY = "registry", _("户籍人口标签")
    SURVEY = "survey", _("入户摸排")


class EntryStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    CLOSED = "closed", _("已销号")


class MemberKind(models.TextChoices):
    """Who a 上门服务 work group is made of (seed 003): community cadres, party members reporting to
    the community (报到党员), volunteers."""

    CADRE = "cadre", _("社区干部")
    PARTY_MEMBER = "party_member", _("报到党员")
    VOLUNTEER = "volunteer", _("志愿者")
    ASSIGNED_CADRE = "assigned_cadre", _("包联干部")
    POLICE = "police", _("下沉政法干警")


# A deployed person (volunteers' DeploymentKind value) joins a work group as this member kind.
DEPLOYMENT_MEMBER_KIND = {
    "party_member": MemberKind.PARTY_MEMBER,
    "cadre": MemberKind.ASSIGNED_CADRE,
    "police": MemberKind.POLICE,
}


class RequestKind(models.TextChoices):
    GOODS = "goods", _("生活物资")
    MEDICINE = "medicine", _("药品")
    MEDICAL_VISIT = "medical_visit", _("就医")


class RequestChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    PAIR = "pair", _("帮扶对子上报")


class Handover(models.TextChoices):
    BUILDING_DOOR = "building_door", _("送到楼门口")
    HOME_DOOR = "home_door", _("送到家门口")
    GATE = "gate", _("小区门口交网格员")


class ConfirmedBy(models.TextChoices):
    RECIPIENT = "recipient", _("居民本人确认")
    GRID_WORKER = "grid_worker", _("网格员确认")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("待配送")
    DELIVERED = "delivered", _("已送达待确认")
    CONFIRMED = "confirmed", _("已确认")
    CANCELLED = "cancelled", _("已取消")


REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.OPEN: frozenset({RequestStatus.DELIVERED, RequestStatus.CANCELLED}),
    RequestStatus.DELIVERED: frozenset({RequestStatus.CONFIRMED, RequestStatus.OPEN}),  # OPEN: the delivery cancelled
    RequestStatus.CONFIRMED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}


# ---- the registry facts the voucher rules read (held in geo.PersonWelfare) ----


class VoucherForm(models.TextChoices):
    CODE = "code", _("消费券")
    GOODS = "goods", _("等价生活物资")


class VoucherStatus(models.TextChoices):
    ISSUED = "issued", _("已发放")
    REDEEMED = "redeemed", _("已核销")


VOUCHER_TRANSITIONS: dict[str, frozenset[str]] = {
    VoucherStatus.ISSUED: frozenset({VoucherStatus.REDEEMED}),
    VoucherStatus.REDEEMED: frozenset(),
}


# ---- supplies: the stock ledger ----


class SupplyCategory(models.TextChoices):
    PROTECTIVE = "protective", _("防护用品")
    TESTING = "testing", _("检测耗材")
    MEDICINE = "medicine", _("药品")
    NECESSITIES = "necessities", _("生活物资")


class WarehouseKind(models.TextChoices):
    CITY = "city", _("市级仓库")
    DISTRICT = "district", _("区县仓库")
    HOSPITAL = "hospital", _("医院")
    ISOLATION_SITE = "isolation_site", _("隔离点")


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("入库")
    ISSUE = "issue", _("出库发放")
    TRANSFER_OUT = "transfer_out", _("调出")
    TRANSFER_IN = "transfer_in", _("调入")
    COUNT = "count", _("盘点差异")
    RETURN = "return", _("配送撤销退库")


class ReceiptSource(models.TextChoices):
    PURCHASE = "purchase", _("采购")
    PURCHASE_ABROAD = "purchase_abroad", _("境外采购")
    DONATION = "donation", _("捐赠")
    ALLOCATION = "allocation", _("上级调拨")


class SupplyUnitKind(models.TextChoices):
    """The units that ask the level above for supplies."""

    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    ISOLATION_SITE = "isolation_site", _("隔离点")


class SupplyRequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    PARTLY_APPROVED = "partly", _("部分批准")
    REFUSED = "refused", _("不予批准")
    CANCELLED = "cancelled", _("已撤回")


SUPPLY_REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    SupplyRequestStatus.PENDING: frozenset(
        {SupplyRequestStatus.APPROVED, SupplyRequestStatus.PARTLY_APPROVED, SupplyRequestStatus.REFUSED, SupplyRequestStatus.CANCELLED}
    ),
    SupplyRequestStatus.APPROVED: frozenset(),
    SupplyRequestStatus.PARTLY_APPROVED: frozenset(),
    SupplyRequestStatus.REFUSED: frozenset(),
    SupplyRequestStatus.CANCELLED: frozenset(),
}


# ---- subsidies and relief ----


class ReliefKind(models.TextChoices):
    """Seed 003: one-off living subsidies and grain/oil/vegetable packs for elderly in difficulty;
    relief to people in difficulty because of the epidemic (因"疫"遇困)."""

    LIVING_SUBSIDY = "living_subsidy", _("一次性生活补贴")
    FOOD_PACK = "food_pack", _("粮油、蔬菜包")
    EPIDEMIC_RELIEF = "epidemic_relief", _("因疫遇困临时救助")


ELDERLY_KINDS = (ReliefKind.LIVING_SUBSIDY, ReliefKind.FOOD_PACK)
