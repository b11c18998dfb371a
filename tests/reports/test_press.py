"""The press brief: the day's figures in the seeds' form, Chinese and English, for the user's
jurisdiction — and a past day's brief is the same whatever happened after it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from fangkong.cases.choices import Classification
from fangkong.cases.services import cases_open_from_queue
from fangkong.reports.press import press_brief
from fangkong.testing.services import Binding, bulk_bind

from ..cases.factories import open_case
from ..factories import make_person
from ..testing import factories as tf

pytestmark = pytest.mark.django_db

DAY = tf.T0.date()  # 2022-02-25, round 8


@pytest.fixture
def day_of_round_8(city, users):
    """Round 8 on 2022-02-25: two residents sampled at 09:00, both positive at 15:00/16:00 (one in
    新城区, one in 回民区), their cases opened from the queue at 17:06."""
    with time_machine.travel(tf.at(0), tick=False):
        lab = tf.make_lab()
        lab_user = tf.make_lab_user("lab", lab)
        r = tf.make_round(users["command"])
        point = tf.make_point(city.home.community)
        home = make_person(city.home.household, "阳性甲")
        elsewhere = city.elsewhere.household.members.first()
        bulk_bind(
            actor=users["command"],
            testing_round=r,
            sampling_point=point,
            pooling_mode="single",
            bindings=[Binding("S1", person_id=home.pk), Binding("S2", person_id=elsewhere.pk)],
            at=tf.at(1),
        )
    with time_machine.travel(tf.at(9), tick=False):
        tf.upload(lab_user, r, lab, [("S1", "阳性", 28, 30, "2022-02-25 15:00"), ("S2", "阳性", 31, 32, "2022-02-25 16:00")], tf.at(9))
        cases_open_from_queue(actor=None, at=tf.at(9.1))
    return r, lab, lab_user, point


def test_the_brief_gives_the_press_conferences_figures(day_of_round_8, users):
    with time_machine.travel(tf.at(16.5), tick=False):  # 00:30 the next morning
        brief = press_brief(user=users["command"], date=DAY)
    zh, en = brief.zh, brief.en
    assert "2月25日0—24时，新增本土确诊病例0例、无症状感染者2例" in zh
    assert "其中隔离管控区域0例、社会面2例" in zh
    assert "截至2月25日24时，第8轮核酸检测共采集样本2人份，全部已出结果，共检出阳性2例" in zh
    assert "现有本土确诊病例0例、无症状感染者2例" in zh and "累计报告本土确诊病例0例、无症状感染者2例" in zh
    assert "当日新增隔离管控人员0人" in zh
    assert "2 new asymptomatic infections" in en and "Round 8 of mass testing collected 2 samples" in en
    assert "阳性甲" not in zh + en


def test_a_district_office_gets_its_districts_figures(day_of_round_8, users):
    with time_machine.travel(tf.at(16.5), tick=False):
        brief = press_brief(user=users["district"], date=DAY)
    assert "无症状感染者1例" in brief.zh and "共采集样本1人份" in brief.zh and "回民区" not in brief.zh


def test_a_past_days_brief_is_the_same_whatever_happened_after_it(day_of_round_8, users, city):
    r, lab, lab_user, point = day_of_round_8
    with time_machine.travel(tf.at(16.5), tick=False):
        that_night = press_brief(user=users["command"], date=DAY)
    # The next day: one more sample and positive in round 8, a case opened by hand, a reclassification.
    with time_machine.travel(tf.at(26), tick=False):
        late = make_person(city.home.household, "次日阳性")
        s3 = [Binding("S3", person_id=late.pk)]
        bulk_bind(actor=users["command"], testing_round=r, sampling_point=point, pooling_mode="single", bindings=s3, at=tf.at(25))
        tf.upload(lab_user, r, lab, [("S3", "阳性", 25, 27, "2022-02-26 09:30")], tf.at(26))
        reported = make_person(city.home.household, "医院报告")
        open_case(users["command"], reported, confirmed_at=tf.at(25.5), classification=Classification.MILD)
    with time_machine.travel(tf.at(40), tick=False):
        later = press_brief(user=users["command"], date=DAY)
        next_day = press_brief(user=users["command"], date=DAY + dt.timedelta(days=1))
    assert later.zh == that_night.zh and later.en == that_night.en
    assert "共采集样本3人份" in next_day.zh and "新增本土确诊病例1例" in next_day.zh


def test_the_page_shows_both_texts_and_defaults_to_yesterday(client, users, day_of_round_8):
    client.force_login(users["command"])
    with time_machine.travel(tf.at(16.5), tick=False):
        page = client.get(reverse("press:brief")).content.decode()
        assert "2022-02-25" in page and "新增本土确诊病例" in page and "Round 8" in page
        future = client.get(reverse("press:brief") + "?date=2030-01-01").content.decode()
        assert "2022-02-26" in future  # at most today
