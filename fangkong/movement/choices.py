"""Vehicle passes (一车一事一证), their scans at checkpoints, and departure applications (有序离呼):
states, the allowed transitions, and why a scan or an application was refused."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PassStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("有效")
    COMPLETED = "completed", _("行程已完成")
    REVOKED = "revoked", _("已撤销")


PASS_TRANSITIONS: dict[str, frozenset[str]] = {
    PassStatus.REQUESTED: frozenset({PassStatus.APPROVED, PassStatus.REVOKED}),
    PassStatus.APPROVED: frozenset({PassStatus.COMPLETED, PassStatus.REVOKED}),
    PassStatus.COMPLETED: frozenset(),
    PassStatus.REVOKED: frozenset(),
}

# A pass that still holds its plate: another pass for the same plate may not overlap its trip.
PASS_HOLDING = (PassStatus.REQUESTED, PassStatus.APPROVED)


class ScanOutcome(models.TextChoices):
    PASSED = "passed", _("放行")
    ARRIVED = "arrived", _("到达，行程完成")
    REFUSED = "refused", _("拒绝通行")


class ScanRefusal(models.TextChoices):
    """Why a checkpoint's scan was refused (each is flagged for the issuing office)."""

    FORGED = "forged", _("通行证伪造、篡改或不完整（签名不符）")
    UNKNOWN = "unknown", _("查无此通行证")
    SUPERSEDED = "superseded", _("通行证已重新签发，旧码作废")
    NOT_APPROVED = "not_approved", _("通行证未经审批")
    REVOKED = "revoked", _("通行证已撤销")
    REUSED = "reused", _("行程已完成，通行证不得重复使用")
    EXPIRED = "expired", _("通行证已过期")
    NOT_YET_VALID = "not_yet_valid", _("通行证尚未生效")
    WRONG_PLATE = "wrong_plate", _("车牌与通行证不符（一车一证，不得转借）")
    WRONG_DRIVER = "wrong_driver", _("驾驶人与通行证不符（不得转借）")


class TravelMode(models.TextChoices):
    CAR = "car", _("自驾")
    COACH = "coach", _("大巴")
    FLIGHT = "flight", _("航班（包机）")


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("符合条件")
    REFUSED = "refused", _("不符合条件")
    ASSIGNED = "assigned", _("已编入班次")
    WITHDRAWN = "withdrawn", _("已撤回")


APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.SUBMITTED: frozenset({ApplicationStatus.APPROVED, ApplicationStatus.REFUSED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.APPROVED: frozenset({ApplicationStatus.ASSIGNED, ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.REFUSED: frozenset(),
    ApplicationStatus.ASSIGNED: frozenset({ApplicationStatus.WITHDRAWN}),
    ApplicationStatus.WITHDRAWN: frozenset(),
}


class DepartureRule(models.TextChoices):
    """The rules a departure application is decided by, each named in the decision as met or not."""

    AREA = "area", _("不在高风险区")
    STATE = "state", _("未在隔离、健康监测或治疗中")
    NEGATIVE = "negative", _("离开前核酸阴性")


class BatchKind(models.TextChoices):
    """Point-to-point batches (点对点): who the sending unit moves together."""

    STUDENTS = "students", _("高校学生返乡")
    WORKERS = "workers", _("农牧民工返岗返乡")
    RELEASED = "released", _("刑满释放人员返乡")
    OTHER = "other", _("其他")


class BatchStatus(models.TextChoices):
    PLANNING = "planning", _("准备中")
    IN_TRANSIT = "in_transit", _("转运中")
    HANDED_OVER = "handed_over", _("已交接")


BATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    BatchStatus.PLANNING: frozenset({BatchStatus.IN_TRANSIT}),
    BatchStatus.IN_TRANSIT: frozenset({BatchStatus.HANDED_OVER}),
    BatchStatus.HANDED_OVER: frozenset(),
}


class MemberStatus(models.TextChoices):
    LISTED = "listed", _("待检测")
    READY = "ready", _("检测合格")
    REMOVED = "removed", _("移出本批")
    BOARDED = "boarded", _("已登车")
    ARRIVED = "arrived", _("已交接")


class NoticeKind(models.TextChoices):
    """What the destination is told (fangkong.movement.notices)."""

    DEPARTURE_LIST = "departure_list", _("班次乘客名单已编排")
    BATCH_DEPARTED = "batch_departed", _("点对点批次已出发")
    BATCH_HANDED_OVER = "batch_handed_over", _("点对点批次已交接")


class CheckpointStatus(models.TextChoices):
    """A checkpoint is proposed by the traffic group and approved (or not) by another of its staff;
    one closing a highway or a trunk road only by the city's command (报批)."""

    PROPOSED = "proposed", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


CHECKPOINT_TRANSITIONS: dict[str, frozenset[str]] = {
    CheckpointStatus.PROPOSED: frozenset({CheckpointStatus.APPROVED, CheckpointStatus.REJECTED}),
    CheckpointStatus.APPROVED: frozenset(),
    CheckpointStatus.REJECTED: frozenset(),
}


class FeverAction(models.TextChoices):
    """What was done with a traveller found with a fever at a checkpoint (发现发热人员的处置)."""

    FEVER_CLINIC = "fever_clinic", _("转运发热门诊")
    ISOLATION = "isolation", _("隔离观察")
    RETEST_NORMAL = "retest_normal", _("复测正常")


class CheckpointRole(models.TextChoices):
    """Who staffs a checkpoint's shift: "逢车必查、逢人必测" needs someone to stop and check the vehicle
    and someone to take temperatures, at every moment the checkpoint is open."""

    POLICE = "police", _("公安交警")
    MEDIC = "medic", _("医务人员（测温）")
    STAFF = "staff", _("其他工作人员")


REQUIRED_CHECKPOINT_ROLES = (CheckpointRole.POLICE.value, CheckpointRole.MEDIC.value)


class SelfApplicationStatus(models.TextChoices):
    PENDING = "pending", _("待社区核实")
    CONFIRMED = "confirmed", _("已核实并提交")
    REJECTED = "rejected", _("未通过核实")
