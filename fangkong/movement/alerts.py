"""Orderly movement's alert rules (fangkong.notifications): the refused scan flagged to the issuing
office (below), and the destination notice. Each
DestinationNotice row (fangkong.movement.notices) is one event, lying in its receiving unit (grant
and webhook key `facility:movement_receiver`, the unit's id) and, when the unit is in this city, in
its district — never in the sending district's places, so nobody else's webhook receives it. Its
params are counts, times, the vehicle and the units: no person. A batch's departure notice carries
the path where the receiving unit confirms the handover (its one-time link outside this city)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.roles import Role, roles
from fangkong.core.timefmt import local_minutes
from fangkong.notifications.rules import CITY, Event, Message, Rule, rules

from .choices import NoticeKind, ScanOutcome, ScanRefusal, TravelMode
from .models import DestinationNotice, HandoverLink, PassScan, VehiclePass
from .permissions import MovementCap

DESTINATION_NOTICE = "movement.destination_notice"
SCAN_FLAGGED = "movement.scan_flagged"

# The refusals that are a fraud, not a mistake: a pass used again after its trip (reuse), a code
# forged or altered, a pass lent to another vehicle or driver. The others (expired, revoked, not yet
# valid, …) are listed for the office (selectors.refused_scans) but raise no alert.
FLAGGED_REFUSALS = (ScanRefusal.REUSED, ScanRefusal.FORGED, ScanRefusal.WRONG_PLATE, ScanRefusal.WRONG_DRIVER)


def refused_scans(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    """A flagged refusal, recorded in (since, until]: told to the pass's issuing office (its district);
    a forged code's claimed issuer is not to be trusted (anyone can type a pass number), so a scan
    with no pass found lies in the checkpoint's district — the office that runs the checkpoint. The
    params are the pass's number and plate, the plate seen, the checkpoint, the time: no person."""
    scans = (
        PassScan.objects.filter(outcome=ScanOutcome.REFUSED, refusal__in=FLAGGED_REFUSALS, recorded_at__gt=since, recorded_at__lte=until)
        .select_related("checkpoint")
        .only("pk", "refusal", "scanned_at", "recorded_at", "plate_seen", "district_id", "checkpoint__name", "vehicle_pass_id")
    )
    numbers = {}
    rows = list(scans.order_by("recorded_at", "pk"))
    pass_ids = {s.vehicle_pass_id for s in rows if s.vehicle_pass_id}
    if pass_ids:
        numbers = {
            pk: (district, plate)
            for pk, district, plate in VehiclePass.objects.filter(pk__in=pass_ids).values_list("pk", "district_id", "plate")
        }
    for scan in rows:
        issued = numbers.get(scan.vehicle_pass_id)
        district = issued[0] if issued else scan.district_id
        yield Event(
            f"scan:{scan.pk}",
            f"{SCAN_FLAGGED}.{scan.refusal}",
            scan.recorded_at,
            {"district": district},
            {
                "refusal": scan.refusal,
                "number": f"TX{scan.vehicle_pass_id:07d}" if scan.vehicle_pass_id else "—",
                "plate": issued[1] if issued else "—",
                "seen": scan.plate_seen or "—",
                "checkpoint": scan.checkpoint.name,
                "at": local_minutes(scan.scanned_at),
            },
            url=reverse("movement:refused_scans") + f"#scan-{scan.pk}",
        )


RECEIVER_UNIT = "facility:movement_receiver"


def notice_params(notice: DestinationNotice) -> dict[str, object]:
    if notice.departure_id:
        d = notice.departure
        return {
            "ref": f"D{d.pk}",
            "vehicle": d.label,
            "mode": d.mode,
            "departs": local_minutes(d.departs_at),
            "destination": d.destination,
            "sender": d.district.name if d.district_id else "",
            "receiver": notice.receiver.name,
            "people": notice.people,
        }
    b = notice.batch
    return {
        "ref": f"B{b.pk}",
        "vehicle": "、".join(b.vehicles.values_list("plate", flat=True)) or b.vehicle_plate,
        "mode": TravelMode.COACH.value,
        "departs": local_minutes(b.departed_at or b.departs_at),
        "destination": b.destination,
        "sender": b.sending_unit,
        "receiver": notice.receiver.name,
        "people": notice.people,
    }


def destination_notices(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    notices = DestinationNotice.objects.filter(at__gt=since, at__lte=until).select_related("receiver", "departure__district", "batch")
    for notice in notices.order_by("at", "pk"):
        places = {RECEIVER_UNIT: notice.receiver_id, "district": notice.receiver.district_id}
        # No link to the departure's or the batch's page: they lie in the sending district's places.
        # A departed batch links to where the receiving unit confirms its handover: in the platform its
        # receiving page (the unit's district's users, or a grant on the unit), to the unit's webhook
        # outside this city its one-time link — a bearer link, never written into a Notification.
        departed = notice.kind == NoticeKind.BATCH_DEPARTED
        url = reverse("movement:batch_receive", args=[notice.batch_id]) if departed else ""
        webhook_url = handover_link_path(notice) if departed else ""
        yield Event(
            f"notice:{notice.pk}",
            f"{DESTINATION_NOTICE}.{notice.kind}",
            notice.at,
            places,
            notice_params(notice),
            url,
            webhook_url,
        )


def handover_link_path(notice: DestinationNotice) -> str:
    """Outside this city, the unit's newest one-time link (sent only to that unit's webhook, never to
    the sending side); in this city none — the unit's district confirms on the platform."""
    from .services.handover import link_token

    if notice.receiver.district_id is not None:
        return ""
    link = HandoverLink.objects.filter(batch_id=notice.batch_id, used_at__isnull=True).order_by("-created_at", "-pk").first()
    return reverse("movement:handover_link", args=[link_token(link)]) if link is not None else ""


def register() -> None:
    flagged = _("%(at)s 在%(checkpoint)s拒绝通行证 %(number)s（车牌 %(plate)s，实际车牌 %(seen)s）：%(refusal)s。请签发单位核查。")
    rules.register(
        Rule(
            key=SCAN_FLAGGED,
            label=_("卡口拒绝通行证：重复使用、伪造篡改、转借"),
            roles=roles(Role.DISTRICT_OFFICE, Role.COMMAND_CENTRE),
            levels=(CITY, "district"),
            find="fangkong.movement.alerts.refused_scans",
            messages=tuple(
                Message(f"{SCAN_FLAGGED}.{refusal.value}", refusal.label, flagged, {"refusal": ScanRefusal}) for refusal in FLAGGED_REFUSALS
            ),
            capability=MovementCap.VIEW,
            link_needs=(MovementCap.VIEW,),
            first_lookback=dt.timedelta(days=1),
            order=69,
        )
    )
    labels = {"mode": TravelMode}
    text = {
        NoticeKind.DEPARTURE_LIST: _(
            "%(sender)s 的%(mode)s %(vehicle)s（%(ref)s）%(departs)s 出发前往%(destination)s，"
            "乘客 %(people)s 人，请%(receiver)s做好接收准备。"
        ),
        NoticeKind.BATCH_DEPARTED: _(
            "%(sender)s 的点对点批次 %(ref)s（车辆 %(vehicle)s）%(departs)s 已出发前往%(destination)s，"
            "共 %(people)s 人，请%(receiver)s做好交接准备。"
        ),
        NoticeKind.BATCH_HANDED_OVER: _("%(sender)s 的点对点批次 %(ref)s 已在%(destination)s交接 %(people)s 人（%(receiver)s确认）。"),
    }
    rules.register(
        Rule(
            key=DESTINATION_NOTICE,
            label=_("目的地通知：班次、点对点批次出发与交接"),
            roles=roles(Role.DISTRICT_OFFICE),
            levels=("district", RECEIVER_UNIT),
            find="fangkong.movement.alerts.destination_notices",
            messages=tuple(Message(f"{DESTINATION_NOTICE}.{kind.value}", kind.label, text[kind], labels) for kind in NoticeKind),
            capability=MovementCap.VIEW,
            first_lookback=dt.timedelta(days=1),
            order=70,
            bearer_links=True,  # a departed batch's webhook path is the unit's one-time link
        )
    )
