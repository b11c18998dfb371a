"""Serializers for places, households and people. People carry masked ID and phone only, never the
cipher text or the look-up hashes, and a birth year, never the date (decision 0005)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import VulnerableTag
from ..models import Community, District, Grid, Household, Person, Street


class DistrictSerializer(serializers.ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "code", "name", "kind"]


class StreetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Street
        fields = ["id", "district", "name", "kind"]


class CommunitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["id", "district", "street", "name", "kind"]


class GridWorkerSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class GridSerializer(serializers.ModelSerializer):
    workers = GridWorkerSerializer(many=True, read_only=True)

    class Meta:
        model = Grid
        fields = ["id", "district", "street", "community", "name", "workers"]


class HouseholdSerializer(serializers.ModelSerializer):
    address = serializers.CharField(read_only=True, help_text="小区 + 楼栋 + 单元 + 户号")

    class Meta:
        model = Household
        fields = ["id", "district", "street", "community", "grid", "compound", "building", "unit", "number", "address"]


class PersonSerializer(serializers.ModelSerializer):
    id_masked = serializers.CharField(read_only=True, help_text="Masked document number, e.g. 150102********123X")
    phone_masked = serializers.CharField(read_only=True)
    birth_year = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Year of birth (null when unknown). Never the date: with the masked number it would be the whole ID number",
    )
    birth_year_to = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Equal to birth_year, except for a baby recorded in the first quarter of its birth year or of the next: "
        "born in birth_year … birth_year_to",
    )
    household_address = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_type",
            "id_masked",
            "sex",
            "birth_year",
            "birth_year_to",
            "phone_masked",
            "household",
            "household_address",
            "district",
            "street",
            "community",
            "grid",
            "tags",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_household_address(self, person: Person) -> str | None:
        return person.household.address if person.household_id else None

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=VulnerableTag.choices)))
    def get_tags(self, person: Person) -> list[str]:
        return sorted(t.tag for t in person.tags.all())


class PersonSearchSerializer(serializers.Serializer):
    """The body of POST /api/people/search/: the filters of GET /api/people/, plus the search term."""

    q = serializers.CharField(
        required=False, allow_blank=True, help_text="Name (prefix), 11-digit mobile, full ID number, or its last 1–7 digits"
    )
    district = serializers.IntegerField(required=False)
    street = serializers.IntegerField(required=False)
    community = serializers.IntegerField(required=False)
    grid = serializers.IntegerField(required=False)
    household = serializers.IntegerField(required=False)
    tag = serializers.CharField(required=False, allow_blank=True)


class RevealRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the full number is needed (recorded in the audit log)")


class RevealResponseSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True, help_text="The exact birth date (null when unknown); shown only here")
