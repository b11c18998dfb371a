"""Importing places and people: formats, row errors, the three modes, duplicates, jurisdiction, audit."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt, mask_id_number
from fangkong.geo.birth import person_birth_date
from fangkong.geo.models import Building, Community, Compound, Grid, Household, Person, PersonTag, Street, Unit

from .conftest import new_id, row, write_csv, write_xlsx
from .helpers import error_rows, run_import

PLACE_MODELS = (Street, Community, Grid, Compound, Building, Unit, Household)


def snapshot() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (*PLACE_MODELS, Person, PersonTag)}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_each_encoding_imports_people_and_their_places(city, users, tmp_path, encoding):
    number = new_id()
    path = write_csv(
        tmp_path / "people.csv",
        [
            row("刘桂兰", number, phone="138-0000-2222", tags="独居老人、低保", sex="男"),
            row("刘强", household="302", grid=""),
        ],
        encoding=encoding,
    )
    before = Person.objects.count()
    job = run_import(path, user=users["community"])
    assert job.status == "succeeded", job.message
    assert (job.rows_total, job.people_created, job.households_created, job.error_count) == (2, 2, 2, 0)
    assert Person.objects.count() == before + 2
    person = Person.objects.get(name="刘桂兰")
    assert decrypt(person.id_cipher) == number
    assert person.id_masked == number[:6] + "********" + number[-4:]
    assert person.phone_masked == "138******22"
    assert sorted(person.tags.values_list("tag", flat=True)) == ["dibao", "elderly_alone"]
    household = person.household
    # A new building under the existing compound; every place carries its ancestors' ids.
    assert household.compound_id == city.home.compound.pk
    assert (household.district_id, household.street_id, household.community_id) == (
        city.home.district.pk,
        city.home.street.pk,
        city.home.community.pk,
    )
    assert household.unit.building.name == "3号楼" and household.building_id == household.unit.building_id
    assert household.grid_id == city.home.grid.pk and person.grid_id == city.home.grid.pk
    assert (person.district_id, person.street_id, person.community_id) == (
        household.district_id,
        household.street_id,
        household.community_id,
    )
    assert Person.objects.get(name="刘强").household.number == "302"


def test_xlsx_with_numeric_and_date_cells(city, users, tmp_path):
    number = new_id()
    birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    cells = row("高玉兰", number, birth_date="", phone="")
    cells[12] = dt.datetime.combine(birth, dt.time())  # 出生日期 as an Excel date
    cells[13] = 13912345678  # 手机号 as a number
    path = write_xlsx(tmp_path / "people.xlsx", [cells, row("高明", household="303")])
    job = run_import(path, user=users["community"])
    assert job.status == "succeeded", job.message
    assert job.people_created == 2
    person = Person.objects.get(name="高玉兰")
    assert person_birth_date(person) == birth and person.birth_year == birth.year and person.phone_masked == "139******78"


def test_english_headers_and_district_code_are_accepted(city, users, tmp_path):
    header = ["District", "Street", "Community", "Grid", "Compound", "Building", "Unit", "Room", "Name", "ID type", "ID number"]
    header += ["Sex", "Birth date", "Phone", "Tags"]
    cells = row("Ayi", id_type="passport", id_number="E12345678", district="150102")
    job = run_import(write_csv(tmp_path / "en.csv", [cells], header=header), user=users["command"])
    assert job.status == "succeeded", job.message
    assert Person.objects.get(name="Ayi").id_type == "passport"


def test_missing_required_column_fails_the_job_with_the_column_named(city, users, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("区县,姓名\n新城区,张三\n", encoding="utf-8")
    job = run_import(path, user=users["community"])
    assert job.status == "failed"
    assert "缺少必填列" in job.message and "证件号码" in job.message and "户号" in job.message


def test_bad_rows_are_reported_with_row_number_column_and_reason(city, users, tmp_path):
    good = new_id()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    male = new_id(sex="M")
    rows = [
        row("好人", good),  # row 2
        row("错号", bad_check),  # row 3
        row("无区", district="不存在区"),  # row 4
        row("性别错", male, sex="女"),  # row 5
        row("", new_id()),  # row 6: no name
        row("手机错", phone="12345"),  # row 7
        row("标签错", tags="外星人"),  # row 8
        row("证件类型错", id_type="驾照"),  # row 9
        row("缺户号", household=""),  # row 10
    ]
    job = run_import(write_csv(tmp_path / "bad.csv", rows), user=users["community"], mode="validate")
    errors = {(r[0], r[1]): r[3] for r in error_rows(job)}
    assert "校验位" in errors[("3", "证件号码")]
    assert "未知区县" in errors[("4", "区县")]
    assert "性别" in errors[("5", "性别")]
    assert "姓名为空" in errors[("6", "姓名")]
    assert ("7", "手机号") in errors
    assert "未知标签" in errors[("8", "标签")]
    assert "未知证件类型" in errors[("9", "证件类型")]
    assert errors[("10", "户号")] == "不能为空"
    assert ("2", "证件号码") not in errors
    assert job.error_count == len(error_rows(job)) and job.rows_valid == 1
    # The report masks ID numbers.
    assert all("********" in r[2] for r in error_rows(job) if r[1] == "证件号码")


def test_strict_mode_with_an_error_changes_nothing(city, users, tmp_path):
    rows = [row("甲", household="501"), row("乙", household="502", building="新楼"), row("丙", "150102199001011234")]
    before = snapshot()
    job = run_import(write_csv(tmp_path / "strict.csv", rows), user=users["community"], mode="strict")
    assert job.status == "rolled_back"
    assert job.people_created == 0 and job.error_count == 1 and job.rows_valid == 2
    assert snapshot() == before
    assert "严格" in job.message


def test_validate_mode_writes_nothing(city, users, tmp_path):
    before = snapshot()
    job = run_import(
        write_csv(tmp_path / "v.csv", [row("甲"), row("乙", street="新街道", community="新社区")]), user=users["command"], mode="validate"
    )
    assert job.status == "succeeded" and job.error_count == 0 and job.rows_valid == 2
    assert snapshot() == before


def test_valid_rows_mode_imports_only_the_good_rows(city, users, tmp_path):
    rows = [row("甲", household="601"), row("乙", "150102199001011234", household="602"), row("丙", household="603")]
    before = Person.objects.count()
    job = run_import(write_csv(tmp_path / "vr.csv", rows), user=users["community"], mode="valid_rows")
    assert job.status == "succeeded"
    assert job.people_created == 2 and job.error_count == 1
    assert Person.objects.count() == before + 2
    assert not Person.objects.filter(name="乙").exists()
    assert not Household.objects.filter(number="602").exists()  # a bad row creates no places either


def test_duplicates_within_the_file_are_errors_not_merged(city, users, tmp_path, monkeypatch):
    monkeypatch.setattr("fangkong.imports.importer.CHUNK_ROWS", 2)  # the repeat sits in a later chunk
    number = new_id()
    rows = [row("甲", number), row("乙"), row("丙"), row("甲二", " " + number.lower() + " ")]
    job = run_import(write_csv(tmp_path / "dup.csv", rows), user=users["community"], mode="valid_rows")
    assert [(r[0], r[1]) for r in error_rows(job)] == [("5", "证件号码")]
    assert "第 2 行" in error_rows(job)[0][3]
    assert Person.objects.filter(name__startswith="甲").count() == 1


def test_duplicates_against_the_registry_are_errors(city, users, tmp_path):
    from tests.factories import make_person

    number = new_id()
    make_person(city.home.household, "老住户", id_number=number)
    job = run_import(write_csv(tmp_path / "reg.csv", [row("新来的", number), row("别人")]), user=users["community"], mode="valid_rows")
    errors = error_rows(job)
    assert [(r[0], r[1]) for r in errors] == [("2", "证件号码")]
    assert "已在系统中登记" in errors[0][3]
    assert not Person.objects.filter(name="新来的").exists()
    assert Person.objects.get(id_hash=Person.objects.get(name="老住户").id_hash).name == "老住户"


def test_rows_outside_the_users_jurisdiction_are_refused(city, users, tmp_path):
    rows = [
        row("本社区"),  # row 2: the community worker's own community
        row("外区", district="回民区", street="环河街街道", community="通顺社区"),  # row 3
        row("新街道", street="新开街道", community="新社区"),  # row 4: a new street in the district
    ]
    job = run_import(write_csv(tmp_path / "scope.csv", rows), user=users["community"], mode="valid_rows")
    errors = {r[0]: r for r in error_rows(job)}
    assert set(errors) == {"3", "4"}
    assert errors["3"][1] == "社区/村" and "管辖范围" in errors["3"][3]
    assert Person.objects.filter(name="本社区").exists()
    assert not Street.objects.filter(name="新开街道").exists()


def test_district_office_may_create_streets_in_its_district_only(city, users, tmp_path):
    rows = [row("新街道居民", street="新开街道", community="新社区"), row("外区", district="回民区", street="环河街街道")]
    job = run_import(write_csv(tmp_path / "d.csv", rows), user=users["district"], mode="valid_rows")
    assert job.people_created == 1 and job.error_count == 1
    street = Street.objects.get(name="新开街道")
    community = Community.objects.get(name="新社区")
    assert street.district_id == city.home.district.pk and community.street_id == street.pk
    assert Household.objects.get(community=community).street_id == street.pk


def test_one_audit_event_per_batch_with_counts(city, users, tmp_path):
    rows = [row("甲", household="701"), row("乙", household="701"), row("丙", "150102199001011234")]
    job = run_import(write_csv(tmp_path / "a.csv", rows), user=users["community"], mode="valid_rows")
    events = AuditEvent.objects.filter(event_type=EventType.IMPORT_BATCH, object_id=str(job.pk))
    assert events.count() == 1
    event = events.get()
    assert event.actor == users["community"] and event.count == 2
    assert event.after["rows"] == 3 and event.after["people_created"] == 2 and event.after["households_created"] == 1
    assert event.after["errors"] == 1 and event.after["places_created"] == 2  # the new 3号楼 and its 1单元


def test_place_only_rows_create_households_and_blank_lines_are_skipped(city, users, tmp_path):
    rows = [row("", "", household="801"), ["", "", "", "", "", "", "", "", "", "", "", "", "", "", ""], row("住户", household="802")]
    job = run_import(write_csv(tmp_path / "p.csv", rows), user=users["community"])
    assert job.status == "succeeded", job.message
    assert job.rows_total == 2 and job.people_created == 1 and job.households_created == 2
    assert Household.objects.filter(number="801", members__isnull=True).exists()


def test_existing_places_are_reused_not_duplicated(city, users, tmp_path):
    home = city.home
    cells = row("旧户新人", building=home.building.name, unit=home.unit.name, household=home.household.number, compound=home.compound.name)
    before = {m.__name__: m.objects.count() for m in PLACE_MODELS}
    job = run_import(write_csv(tmp_path / "e.csv", [cells]), user=users["community"])
    assert job.status == "succeeded" and job.places_created == 0 and job.households_created == 0
    assert {m.__name__: m.objects.count() for m in PLACE_MODELS} == before
    assert Person.objects.get(name="旧户新人").household_id == home.household.pk


# ---- the initial-load fast path (PostgreSQL) ------------------------------------------------------


def _catalogue() -> set[tuple[str, ...]]:
    from django.db import connection

    tables = ["geo_household", "geo_person", "geo_persontag"]
    with connection.cursor() as cur:
        cur.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        found = {("index", *r) for r in cur.fetchall()}
        cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable, condeferred, convalidated"
            " FROM pg_constraint WHERE conrelid = ANY(%s::text[]::regclass[])",
            [tables],
        )
        found |= {("constraint", *map(str, r)) for r in cur.fetchall()}
    return found


@pytest.fixture
def small_fast_path(monkeypatch):
    """The fast path's 50,000-row threshold lowered, so a small file into an empty registry takes it."""
    from fangkong.core import bulk
    from fangkong.imports import importer

    monkeypatch.setattr(importer, "DEFERRED_INDEXES_MIN_ROWS", 10)
    monkeypatch.setattr(bulk, "last_deferred", None)
    return bulk


@pytest.mark.postgres
def test_first_large_load_takes_the_fast_path_and_rebuilds_every_index(db, tmp_path, small_fast_path):
    from .conftest import big_csv

    assert not Person.objects.exists()
    before = _catalogue()
    job = run_import(big_csv(tmp_path / "big.csv", 300))
    assert job.status == "succeeded", job.message
    state = small_fast_path.last_deferred
    assert state is not None and state.rebuilt
    assert state.tables == ["geo_household", "geo_person", "geo_persontag"]
    assert any(name == "person_unique_id_hash" for _t, name, _k, _d in state.constraints)
    assert _catalogue() == before
    assert Person.objects.count() == 300 and Household.objects.count() == 100


@pytest.mark.postgres
def test_no_fast_path_once_the_registry_has_people(city, users, tmp_path, small_fast_path):
    from .conftest import big_csv

    job = run_import(big_csv(tmp_path / "big.csv", 30))
    assert job.status == "succeeded", job.message
    assert small_fast_path.last_deferred is None


@pytest.mark.postgres
def test_a_duplicate_only_the_rebuilt_unique_index_sees_rolls_the_whole_load_back(db, tmp_path, small_fast_path, monkeypatch):
    """If a duplicate ever got past the importer's own check, the rebuilt unique index stops it."""
    from fangkong.imports import importer

    class Forgetful(dict):
        def get(self, key, default=None):
            return default

    real_init = importer.Importer.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.seen = Forgetful()

    monkeypatch.setattr(importer.Importer, "__init__", init)
    number = new_id()
    rows = [row(f"人{i}", new_id()) for i in range(20)] + [row("甲", number), row("乙", number, household="302")]
    before = _catalogue()
    job = run_import(write_csv(tmp_path / "dup.csv", rows))
    assert job.status == "failed"
    assert "与已有记录冲突" in job.message and "回滚" in job.message
    assert "person_unique_id_hash" not in job.message  # the constraint's name is the log's, not the page's
    assert Person.objects.count() == 0 and Household.objects.count() == 0
    assert _catalogue() == before


def test_a_passport_with_a_birth_date_keeps_it_sealed_and_shows_the_year(city, users, tmp_path):
    rows = [
        row("Anna", "E12345678", id_type="护照", sex="女", birth_date="1980-02-03"),
        row("Ben", "E87654321", id_type="护照"),
        row("高玉兰", new_id(), birth_date=""),
    ]
    job = run_import(write_csv(tmp_path / "passports.csv", rows), user=users["community"])
    assert job.status == "succeeded", job.message
    anna = Person.objects.get(name="Anna")
    assert (anna.birth_year, anna.birth_year_to) == (1980, 1980)
    assert decrypt(anna.birth_cipher) == "1980-02-03" and person_birth_date(anna) == dt.date(1980, 2, 3)
    ben = Person.objects.get(name="Ben")
    assert (ben.birth_year, ben.birth_cipher) == (None, "")
    resident = Person.objects.get(name="高玉兰")
    assert resident.birth_year and resident.birth_cipher == ""  # the date is inside the encrypted number


def test_the_error_report_never_pairs_a_masked_number_with_a_birth_date(city, users, tmp_path):
    """The 8 masked digits are the birth date: the report keeps the year of a typed date and names no
    date in its reasons (an ID number whose date is invalid, a date that does not match the number)."""
    good = new_id()
    bad_date = good[:10] + "1332" + good[14:17]
    bad_date += "0"  # any check character: the date is checked first
    rows = [
        row("日期不符", good, birth_date="1991-12-31"),  # row 2
        row("号内日期无效", bad_date),  # row 3
        row("日期格式错", new_id(), birth_date="1990-13-45"),  # row 4
    ]
    job = run_import(write_csv(tmp_path / "dates.csv", rows), user=users["community"], mode="validate")
    report = error_rows(job)
    assert {(r[0], r[1]) for r in report} == {("2", "出生日期"), ("3", "证件号码"), ("4", "出生日期")}
    text = "\n".join(",".join(r) for r in report)
    assert good[6:14] not in text and f"{good[6:10]}-{good[10:12]}-{good[12:14]}" not in text
    assert "1332" not in text and "1991-12-31" not in text and "13-45" not in text
    by_row = {r[0]: r for r in report}
    assert by_row["2"][2] == "1991-**-**" and by_row["3"][2] == mask_id_number(bad_date)


def test_welfare_columns_are_imported_and_bad_values_named(city, users, tmp_path):
    """The 民政 columns the voucher rules read (户籍地代码, 家庭救助状况, 失能失智程度, 劳动模范级别)."""
    from fangkong.geo.models import PersonWelfare

    rows = [
        row("低保老人", hukou_code="150102", family_status="城乡低保", disability_level="中度"),  # row 2
        row("劳模", model_worker_level="全国"),  # row 3
        row("无民政", tags="独居老人"),  # row 4: no welfare row
        row("户籍错", hukou_code="1501"),  # row 5
        row("低保错", family_status="低保中"),  # row 6
    ]
    job = run_import(write_csv(tmp_path / "welfare.csv", rows), user=users["community"], mode="valid_rows")
    errors = {(r[0], r[1]): r[3] for r in error_rows(job)}
    assert "6 位行政区划代码" in errors[("5", "户籍地代码")]
    assert "家庭救助状况" in errors[("6", "家庭救助状况")]
    facts = {
        w.person.name: (w.hukou_code, w.family_status, w.disability_level, w.model_worker_level)
        for w in PersonWelfare.objects.select_related("person")
    }
    assert facts == {"低保老人": ("150102", "dibao", "moderate", ""), "劳模": ("", "", "", "national")}


def test_a_registry_import_waits_while_a_data_key_rotation_is_under_way(city, users, tmp_path, settings):
    """While rows still carry the retired key's hash, a number registered before would look new and be
    registered twice: the import refuses until the rotation is done and the old key removed."""
    import base64
    import os

    number = new_id()
    assert run_import(write_csv(tmp_path / "first.csv", [row("王芳", number)]), user=users["community"]).status == "succeeded"
    settings.FANGKONG_DATA_KEYS_RETIRED = (settings.FANGKONG_DATA_KEY,)
    settings.FANGKONG_DATA_KEY = base64.b64encode(os.urandom(32)).decode()
    before = Person.objects.count()
    job = run_import(write_csv(tmp_path / "again.csv", [row("王芳", number)]), user=users["community"])
    assert job.status == "failed" and "正在更换数据密钥" in job.message
    assert Person.objects.count() == before
    assert (
        run_import(write_csv(tmp_path / "check.csv", [row("王芳", number)]), user=users["community"], mode="validate").status == "succeeded"
    )


def test_a_failed_import_says_why_in_the_users_words_not_the_exceptions(city, users, tmp_path, monkeypatch):
    """The PostgreSQL-kill drill: the driver's English (which can name a number, a row, the server)
    reached the import's page. The page says what happened and what to do; the log has the rest."""
    from django.db import OperationalError

    from fangkong.imports import services

    def fails(self):
        raise OperationalError("server closed the connection unexpectedly (10.0.3.7) 110101199003071234")

    monkeypatch.setattr(services.Importer, "run", fails)
    path = write_csv(tmp_path / "p.csv", [row("刘强", new_id())])
    job = run_import(path, user=users["community"])
    assert job.status == "failed" and "与数据库的连接中断" in job.message and "请重新导入" in job.message
    assert "110101199003071234" not in job.message and "10.0.3.7" not in job.message and "Error" not in job.message
