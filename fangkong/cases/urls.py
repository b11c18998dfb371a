"""快转 URLs. The board is the landing page; each working group's pages live in one views module."""

from django.urls import path

from .views import board, cases, facilities, figures, monitoring, opening

app_name = "cases"
urlpatterns = [
    # the transfer board and its actions (dispatchers, the facilities' admission desks)
    path("", board.board, name="board"),
    path("transfers/<int:pk>/dispatch/", board.transfer_dispatch, name="transfer_dispatch"),
    path("transfers/<int:pk>/pick-up/", board.transfer_pick_up, name="transfer_pick_up"),
    path("transfers/<int:pk>/admit/", board.transfer_admit, name="transfer_admit"),
    path("transfers/<int:pk>/refuse/", board.transfer_refuse, name="transfer_refuse"),
    # cases
    path("cases/", cases.case_list, name="case_list"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/classify/", cases.case_classify, name="case_classify"),
    path("cases/<int:pk>/tests/", cases.case_test_record, name="case_test_record"),
    path("cases/<int:pk>/discharge/check/", cases.discharge_check, name="discharge_check"),
    path("cases/<int:pk>/discharge/", cases.case_discharge, name="case_discharge"),
    path("cases/<int:pk>/withdraw/", cases.case_withdraw, name="case_withdraw"),
    path("cases/<int:pk>/reopen/", cases.case_reopen, name="case_reopen"),
    # opening cases: the positives queue, by hand
    path("queue/", opening.queue, name="queue"),
    path("queue/open/", opening.queue_open_all, name="queue_open_all"),
    path("queue/<int:pk>/open/", opening.queue_open_one, name="queue_open_one"),
    path("cases/new/", opening.case_open, name="case_open"),
    # facilities and beds
    path("facilities/", facilities.facility_list, name="facility_list"),
    path("facilities/new/", facilities.facility_create, name="facility_create"),
    path("facilities/<int:pk>/", facilities.facility_detail, name="facility_detail"),
    path("facilities/<int:pk>/edit/", facilities.facility_edit, name="facility_edit"),
    path("facilities/<int:pk>/beds/", facilities.facility_beds, name="facility_beds"),
    # home health monitoring (community workers)
    path("monitoring/", monitoring.monitoring_list, name="monitoring_list"),
    path("monitoring/<int:pk>/tests/", monitoring.monitoring_test, name="monitoring_test"),
    path("monitoring/<int:pk>/complete/", monitoring.monitoring_complete, name="monitoring_complete"),
    # the day's figures
    path("figures/", figures.day_figures, name="day_figures"),
]
