"""Serializers of the 志愿者 API. They only shape data: the rules live in services and selectors.

Volunteers and the people who serve appear by name and masked ID number and phone only — never the
cipher text or the look-up hash. Request serializers only check types; the services check the rules."""

from __future__ import annotations

from rest_framework import serializers

from fangkong.zoning.choices import CadreRank

from ..choices import AssignmentStatus, DeploymentKind, PointKind, VolunteerStatus
from ..models import Deployment, Need, ServicePoint, Volunteer

MAX_ID = 2**53  # ids past this are no row's (and would overflow the database's integer)


class VolunteerSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=VolunteerStatus.choices, read_only=True)
    district = serializers.CharField(source="district.name", read_only=True, allow_null=True)
    community = serializers.CharField(source="community.name", read_only=True, allow_null=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True, allow_null=True)
    team = serializers.CharField(source="team.name", read_only=True, allow_null=True)
    skills = serializers.ListField(source="skill_codes", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Volunteer
        fields = ["id", "name", "id_masked", "phone_masked", "status", "district", "community", "organisation", "team", "skills",
                  "availability", "field_work", "approved_at"]  # fmt: skip


class ServiceRecordSerializer(serializers.Serializer):
    attended = serializers.IntegerField(help_text="Shifts attended (checked in)")
    minutes = serializers.IntegerField(help_text="Minutes served, check-in to check-out")
    hours = serializers.FloatField()


class VolunteerDetailSerializer(VolunteerSerializer):
    record = serializers.SerializerMethodField()

    class Meta(VolunteerSerializer.Meta):
        fields = [*VolunteerSerializer.Meta.fields, "record"]

    def get_record(self, obj: Volunteer) -> dict:
        record = self.context["record"]
        return ServiceRecordSerializer(record).data


class PointSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=PointKind.choices, read_only=True)
    district = serializers.CharField(source="district.name", read_only=True, allow_null=True)
    community = serializers.CharField(source="community.name", read_only=True, allow_null=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True, allow_null=True)

    class Meta:
        model = ServicePoint
        fields = ["id", "name", "kind", "district", "community", "compound_id", "organisation", "active"]


class NeedSerializer(serializers.ModelSerializer):
    point = serializers.CharField(source="point.name", read_only=True)
    point_id = serializers.IntegerField(read_only=True)
    task_type = serializers.CharField(source="task_type.name", read_only=True)
    taken = serializers.IntegerField(read_only=True, help_text="Places taken: signed up, assigned, checked in or done")

    class Meta:
        model = Need
        fields = ["id", "point_id", "point", "task_type", "starts_at", "ends_at", "headcount", "taken", "skill"]


class AttendanceQuerySerializer(serializers.Serializer):
    day = serializers.DateField(required=False, help_text="The Beijing day (default: today)")
    point = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="One service point of the caller's grants (404 outside them)"
    )


class AttendanceFiguresSerializer(serializers.Serializer):
    needs = serializers.IntegerField(help_text="Needs published for the day")
    published = serializers.IntegerField(help_text="需要人数: people the needs asked for")
    signed_up = serializers.IntegerField(help_text="已报名: put on the shifts (signed up or assigned), no-shows included")
    checked_in = serializers.IntegerField(help_text="已到岗: checked in (on duty or done)")
    no_shows = serializers.IntegerField(help_text="未到岗: recorded as no-shows")
    short = serializers.IntegerField(help_text="缺口: published less those still expected or who came")


class PointDaySerializer(AttendanceFiguresSerializer):
    point_id = serializers.IntegerField()
    name = serializers.CharField(help_text="The service point")
    community = serializers.CharField()


class AttendanceSerializer(serializers.Serializer):
    day = serializers.DateField()
    points = PointDaySerializer(many=True, help_text="One row per service point with needs that day, by name")
    total = AttendanceFiguresSerializer(help_text="合计 over the points")


class AssignRequestSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="A volunteer of the caller's grants")


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    need = serializers.IntegerField(source="need_id")
    status = serializers.ChoiceField(choices=AssignmentStatus.choices)
    point = serializers.CharField(source="point.name")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    checked_out_at = serializers.DateTimeField(allow_null=True)
    minutes = serializers.IntegerField()


class CheckInRequestSerializer(serializers.Serializer):
    link = serializers.CharField(max_length=200, help_text="The volunteer's personal link token (the last part of /volunteers/v/<token>/)")
    code = serializers.CharField(max_length=200, help_text="The point's QR code (the last part of /volunteers/scan/<code>/)")
    action = serializers.ChoiceField(choices=[("in", "check in"), ("out", "check out")], default="in")


class TotalsQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First Beijing day (default: 6 days before end)")
    end = serializers.DateField(required=False, help_text="Last Beijing day, inclusive (default: today)")
    organisation = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    district = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class DaySerializer(serializers.Serializer):
    day = serializers.DateField()
    attendance = serializers.IntegerField()
    hours = serializers.FloatField()
    trips = serializers.IntegerField()


class ServingFiguresSerializer(serializers.Serializer):
    day = serializers.DateField()
    party_members = serializers.IntegerField()
    at_residence = serializers.IntegerField()
    cadres = serializers.IntegerField()
    police = serializers.IntegerField()
    communities = serializers.IntegerField()
    compounds = serializers.IntegerField()
    rostered = serializers.IntegerField()
    sentence = serializers.CharField()


class TotalsSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    attendance = serializers.IntegerField(help_text="出勤人次: shifts attended")
    vehicle_trips = serializers.IntegerField(help_text="车辆台次")
    hours = serializers.IntegerField(help_text="服务时间 (hours)")
    kilometres = serializers.DecimalField(max_digits=14, decimal_places=1, help_text="行驶里程")
    terminal_places = serializers.IntegerField(help_text="终末消毒阳性场所")
    community_square_metres = serializers.IntegerField(help_text="消杀社区环境 (m²)")
    recruited = serializers.IntegerField()
    points = serializers.IntegerField()
    communities = serializers.IntegerField()
    sentence = serializers.CharField(help_text="The seed's sentence")
    days = DaySerializer(many=True)
    serving = ServingFiguresSerializer(help_text="The people who serve on the last day")


class DeploymentSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=DeploymentKind.choices, read_only=True)
    rank = serializers.ChoiceField(choices=CadreRank.choices, read_only=True, allow_blank=True)
    community = serializers.CharField(source="community.name", read_only=True, allow_null=True)
    compound = serializers.CharField(source="compound.name", read_only=True, allow_null=True)
    on_duty_roster = serializers.SerializerMethodField()

    class Meta:
        model = Deployment
        fields = ["id", "kind", "name", "phone_masked", "work_unit", "rank", "at_residence", "community_id", "community", "compound_id",
                  "compound", "area_id", "starts_on", "ends_on", "on_duty_roster"]  # fmt: skip

    def get_on_duty_roster(self, obj: Deployment) -> bool:
        return obj.duty_post_id is not None


class DeploymentRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DeploymentKind.choices)
    name = serializers.CharField(max_length=64)
    phone = serializers.CharField(max_length=24)
    work_unit = serializers.CharField(max_length=100)
    community = serializers.IntegerField(min_value=1)
    compound = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    rank = serializers.ChoiceField(choices=CadreRank.choices, required=False, allow_blank=True, default="")
    at_residence = serializers.BooleanField(required=False, default=False)
    area = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, help_text="A sealed area in force (cadres)"
    )


class DeploymentEndSerializer(serializers.Serializer):
    ends_on = serializers.DateField(required=False, allow_null=True, help_text="Default: today (Beijing)")
