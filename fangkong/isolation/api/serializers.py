"""Serializers of the 快隔 API. They only shape data: the rules live in services and selectors.

People appear by name and masked document number only (150102********123X), never the cipher text
or the look-up hash. Request serializers only check types; the services check the rules.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fangkong.core.api import MomentField
from fangkong.results.choices import Result

from ..choices import (
    ContactKind,
    ContactState,
    EpisodeKind,
    EpisodeStatus,
    ExposureType,
    HandoverStatus,
    RoomType,
    SiteKind,
    TestPhase,
    TransportMode,
)
from ..models import Handover, IsolationEpisode, IsolationSite, ScheduledTest

AT_HELP = "ISO 8601; without an offset it is Beijing time; default now"


class PersonFieldsMixin(serializers.Serializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_masked = serializers.CharField(source="person.id_masked", read_only=True, help_text="Masked document number")


# ---- sites and rooms ----


class SiteSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=SiteKind.choices, read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    rooms = serializers.IntegerField(source="occ.rooms", read_only=True)
    rooms_out_of_service = serializers.IntegerField(source="occ.rooms_out_of_service", read_only=True)
    rooms_occupied = serializers.IntegerField(source="occ.rooms_occupied", read_only=True)
    rooms_free = serializers.IntegerField(source="occ.rooms_free", read_only=True)
    beds = serializers.IntegerField(source="occ.beds", read_only=True, help_text="Beds of the rooms in service")
    people_in = serializers.IntegerField(source="occ.people_in", read_only=True)
    arriving = serializers.IntegerField(source="occ.arriving", read_only=True, help_text="In transit to the site")
    pending_handover = serializers.IntegerField(source="occ.pending_handover", read_only=True)
    free_rooms_by_type = serializers.DictField(
        child=serializers.IntegerField(), source="occ.free_rooms_by_type", read_only=True, help_text="single / double / family → rooms"
    )

    class Meta:
        model = IsolationSite
        fields = [
            "id",
            "name",
            "kind",
            "district",
            "district_name",
            "street",
            "community",
            "community_name",
            "address",
            "capacity",
            "receives_inbound",
            "is_active",
            "rooms",
            "rooms_out_of_service",
            "rooms_occupied",
            "rooms_free",
            "beds",
            "people_in",
            "arriving",
            "pending_handover",
            "free_rooms_by_type",
        ]


class OccupantSerializer(PersonFieldsMixin):
    episode = serializers.IntegerField(source="episode_id")
    party = serializers.CharField()
    started_at = serializers.DateTimeField()


class RoomRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="room.pk")
    number = serializers.CharField(source="room.number")
    floor = serializers.IntegerField(source="room.floor", allow_null=True)
    room_type = serializers.ChoiceField(source="room.room_type", choices=RoomType.choices)
    capacity = serializers.IntegerField(source="room.capacity")
    is_active = serializers.BooleanField(source="room.is_active")
    free_beds = serializers.IntegerField()
    party = serializers.CharField(help_text="The party in the room (household:<id> / group:…), empty when free")
    occupants = OccupantSerializer(many=True, source="stays")


class SheetRowSerializer(serializers.Serializer):
    test = serializers.IntegerField(source="test.pk")
    episode = serializers.IntegerField(source="episode.pk")
    name = serializers.CharField(source="episode.person.name")
    id_masked = serializers.CharField(source="episode.person.id_masked")
    room_number = serializers.CharField()
    phase = serializers.ChoiceField(source="test.phase", choices=TestPhase.choices)
    day_number = serializers.IntegerField(source="test.day_number")
    due_date = serializers.DateField(source="test.due_date")
    result = serializers.ChoiceField(source="test.result", choices=Result.choices, allow_blank=True)
    is_make_up = serializers.BooleanField(help_text="补采: due on an earlier day and still without a valid result")


class DateQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="A Beijing calendar day; default today")


# ---- episodes ----


class EpisodeSerializer(PersonFieldsMixin, serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=EpisodeKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=EpisodeStatus.choices, read_only=True)
    site_name = serializers.CharField(source="site.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = IsolationEpisode
        fields = [
            "id",
            "name",
            "id_masked",
            "kind",
            "status",
            "source",
            "party",
            "identified_at",
            "isolate_by",
            "site",
            "site_name",
            "district",
            "street",
            "community",
            "grid",
            "transit_started_at",
            "checked_in_at",
            "central_until",
            "home_until",
            "released_at",
            "handed_over_at",
            "home_started_at",
            "ended_at",
            "case",
        ]


class ScheduledTestSerializer(serializers.ModelSerializer):
    phase = serializers.ChoiceField(choices=TestPhase.choices)
    result = serializers.ChoiceField(choices=Result.choices, allow_blank=True)
    rule = serializers.CharField(read_only=True)  # stored once per text (RuleCitation): load with select_related("citation")

    class Meta:
        model = ScheduledTest
        fields = ["id", "phase", "day_number", "due_date", "result", "ct_value", "sampled_at", "resulted_at", "rule"]


class EpisodeDetailSerializer(EpisodeSerializer):
    tests = ScheduledTestSerializer(many=True, read_only=True)
    # Stored once per text (RuleCitation): load with select_related("isolate_by_citation", "regimen_citation").
    isolate_by_rule = serializers.CharField(read_only=True)
    regimen_rules = serializers.CharField(read_only=True)

    class Meta(EpisodeSerializer.Meta):
        fields = [
            *EpisodeSerializer.Meta.fields,
            "isolate_by_rule",
            "policy_profile",
            "central_days",
            "home_days",
            "home_mode",
            "regimen_rules",
            "end_reason",
            "tests",
        ]


class AwaitingSerializer(EpisodeSerializer):
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta(EpisodeSerializer.Meta):
        fields = [*EpisodeSerializer.Meta.fields, "is_overdue"]


# ---- handovers ----


class HandoverSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="episode.person.name", read_only=True)
    id_masked = serializers.CharField(source="episode.person.id_masked", read_only=True)
    from_site_name = serializers.CharField(source="from_site.name", read_only=True)
    to_community_name = serializers.CharField(source="to_community.name", read_only=True, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=HandoverStatus.choices, read_only=True)
    transport_mode = serializers.ChoiceField(choices=TransportMode.choices, read_only=True)

    class Meta:
        model = Handover
        fields = [
            "id",
            "episode",
            "name",
            "id_masked",
            "from_site",
            "from_site_name",
            "to_district",
            "to_street",
            "to_community",
            "to_community_name",
            "to_locality",
            "transport_mode",
            "vehicle",
            "status",
            "created_at",
            "confirmed_at",
            "receiver_name",
            "receiver_phone",
        ]


class HandoverConfirmSerializer(serializers.Serializer):
    receiver_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    receiver_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    at = MomentField(required=False, help_text=AT_HELP)


# ---- 流调 ----


class ContactLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contact = serializers.IntegerField(source="contact_id")
    name = serializers.CharField(source="contact.person.name")
    id_masked = serializers.CharField(source="contact.person.id_masked")
    kind = serializers.ChoiceField(source="contact.kind", choices=ContactKind.choices)
    state = serializers.ChoiceField(source="contact.state", choices=ContactState.choices)
    via = serializers.IntegerField(source="via_id", allow_null=True, help_text="For a secondary contact: the close contact")
    exposure = serializers.ChoiceField(choices=ExposureType.choices)
    place = serializers.CharField()
    last_exposure_at = serializers.DateTimeField()
    identified_at = serializers.DateTimeField(source="contact.identified_at")
    episode = serializers.IntegerField(source="contact.episode_id", allow_null=True)
    episode_status = serializers.SerializerMethodField()
    isolate_by = serializers.SerializerMethodField()
    became_case = serializers.IntegerField(source="contact.case_id", allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=EpisodeStatus.choices, allow_null=True))
    def get_episode_status(self, link: Any) -> str | None:
        episode = link.contact.episode
        return episode.status if episode else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_isolate_by(self, link: Any) -> Any:
        episode = link.contact.episode
        return serializers.DateTimeField().to_representation(episode.isolate_by) if episode and episode.isolate_by else None


class ContactAddSerializer(serializers.Serializer):
    """A person by their full document number (the registry is searched by its keyed hash)."""

    id_number = serializers.CharField(max_length=32, help_text="The full document number")
    exposure = serializers.ChoiceField(choices=ExposureType.choices)
    place = serializers.CharField(max_length=200)
    last_exposure_at = MomentField(help_text="ISO 8601; without an offset it is Beijing time")
    identified_at = MomentField(required=False, help_text=AT_HELP)
    community = serializers.IntegerField(required=False, allow_null=True, help_text="Where the contact lives, if not in the registry")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class GraphNodeSerializer(serializers.Serializer):
    id = serializers.CharField()
    category = serializers.CharField(help_text="case, index case, turned positive, awaiting, isolated, released, cancelled")
    visible = serializers.BooleanField(help_text="False: outside the caller's jurisdiction, no name or ID")
    name = serializers.CharField(allow_blank=True)
    id_masked = serializers.CharField(allow_blank=True)
    case_id = serializers.IntegerField(allow_null=True)
    contact_id = serializers.IntegerField(allow_null=True)
    generation = serializers.IntegerField()


class GraphEdgeSerializer(serializers.Serializer):
    source = serializers.CharField()
    target = serializers.CharField()
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    exposure = serializers.ChoiceField(choices=ExposureType.choices)
    last_exposure_at = serializers.DateTimeField()


class ClusterGraphSerializer(serializers.Serializer):
    root = serializers.IntegerField(source="root.pk", help_text="The case asked for")
    index_case_id = serializers.IntegerField()
    nodes = GraphNodeSerializer(many=True)
    edges = GraphEdgeSerializer(many=True)
    truncated = serializers.BooleanField()


# ---- figures ----


class DistrictDelaySerializer(serializers.Serializer):
    district_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    isolated = serializers.IntegerField()
    average_hours = serializers.FloatField()
    max_hours = serializers.FloatField()


class FiguresSerializer(serializers.Serializer):
    day = serializers.DateField()
    identified = serializers.DictField(child=serializers.IntegerField(), help_text="Episodes opened that day, by kind")
    due = serializers.IntegerField()
    isolated_in_time = serializers.IntegerField()
    isolated_late = serializers.IntegerField()
    still_awaiting = serializers.IntegerField()
    overdue_now = serializers.IntegerField()
    in_isolation_by_site = serializers.DictField(child=serializers.IntegerField())
    checked_in = serializers.IntegerField()
    released = serializers.IntegerField()
    handed_over = serializers.IntegerField()
    pending_handovers = serializers.IntegerField()
    in_home_isolation = serializers.IntegerField()
    completed = serializers.IntegerField()
    turned_positive = serializers.IntegerField()
    delay_by_district = DistrictDelaySerializer(many=True)
    contacts_identified = serializers.DictField(child=serializers.IntegerField())
    contacts_isolated_in_time = serializers.IntegerField()
    contacts_isolated_late = serializers.IntegerField()
    contacts_still_awaiting = serializers.IntegerField()
    contact_delay_by_district = DistrictDelaySerializer(many=True)


# ---- bulk requests (schema only: parsed by api.bulk) ----


class BulkContactRowSerializer(serializers.Serializer):
    id_number = serializers.CharField(required=False, help_text="Full document number (keyed-hash look-up); or give person_id")
    person_id = serializers.IntegerField(required=False, help_text="Registry id of the person (instead of id_number)")
    exposure = serializers.ChoiceField(choices=ExposureType.choices)
    place = serializers.CharField(max_length=200)
    last_exposure_at = MomentField(help_text="ISO 8601; without an offset it is Beijing time")
    community = serializers.IntegerField(required=False, help_text="Where a person without a registry address lives")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class BulkContactsRequestSerializer(serializers.Serializer):
    identified_at = MomentField(required=False, help_text="判定时间 for every row; default now")
    contacts = BulkContactRowSerializer(many=True, help_text="At most 20,000 rows")


class BulkContactRowResultSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row, from 1")
    person = serializers.IntegerField()
    contact = serializers.IntegerField()
    episode = serializers.IntegerField(allow_null=True, help_text="The isolation episode (new, or the one the person already had)")


class BulkContactsReportSerializer(serializers.Serializer):
    contacts_added = serializers.IntegerField()
    exposures_added = serializers.IntegerField()
    episodes_opened = serializers.IntegerField()
    isolated_already = serializers.IntegerField(help_text="New contacts kept under the open episode they already had")
    linked_existing = serializers.IntegerField(help_text="Exposures added to contacts already in isolation")
    rows = BulkContactRowResultSerializer(many=True)


class BulkCheckInRowSerializer(serializers.Serializer):
    episode = serializers.IntegerField(help_text="Isolation episode id")
    room = serializers.IntegerField(required=False, help_text="Room id; or give room_number")
    room_number = serializers.CharField(required=False, help_text="The site's room number (房间号)")
    party = serializers.CharField(required=False, allow_blank=True, help_text="同住单元 for a travelling group; default the episode's")


class BulkCheckInsRequestSerializer(serializers.Serializer):
    at = MomentField(required=False, help_text="入住时间 for every row; default now")
    check_ins = BulkCheckInRowSerializer(many=True, help_text="At most 20,000 rows")


class BulkCheckInReportSerializer(serializers.Serializer):
    checked_in = serializers.IntegerField()
    tests_scheduled = serializers.IntegerField()
    within_deadline = serializers.IntegerField()
    by_site = serializers.DictField(child=serializers.IntegerField())
