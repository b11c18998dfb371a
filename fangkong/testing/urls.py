"""快检 URLs. The names are the contract between the page modules; each module may add its own
extra routes in its `extra_urlpatterns`."""

from django.urls import path

from .views import board, door, field, lab, rounds, sampling

app_name = "testing"
urlpatterns = [
    # rounds and coverage (command centre, district office; coverage for everyone in scope)
    path("", rounds.round_list, name="round_list"),
    path("rounds/new/", rounds.round_plan, name="round_plan"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("rounds/<int:pk>/status/", rounds.round_set_status, name="round_set_status"),
    path("rounds/<int:pk>/coverage/", rounds.coverage, name="coverage"),  # ?level=district&place=12
    path("points/", rounds.sampling_point_list, name="sampling_point_list"),
    path("points/new/", rounds.sampling_point_create, name="sampling_point_create"),
    # sampling (采样)
    path("rounds/<int:pk>/sampling/", sampling.sampling_home, name="sampling"),
    path("rounds/<int:pk>/sampling/open/", sampling.tube_open, name="tube_open"),
    path("rounds/<int:pk>/tubes/<str:barcode>/", sampling.tube_detail, name="tube_detail"),
    path("rounds/<int:pk>/tubes/<str:barcode>/add/", sampling.tube_add_member, name="tube_add_member"),
    path("rounds/<int:pk>/tubes/<str:barcode>/close/", sampling.tube_close, name="tube_close"),
    path("rounds/<int:pk>/tubes/<str:barcode>/register/", sampling.tube_register_person, name="tube_register_person"),
    # laboratory (检测机构)
    path("rounds/<int:pk>/lab/", lab.lab_home, name="lab"),
    path("rounds/<int:pk>/lab/receive/", lab.tube_receive, name="tube_receive"),
    path("rounds/<int:pk>/lab/results/", lab.result_upload, name="result_upload"),
    path("rounds/<int:pk>/lab/results/<int:job>/", lab.result_upload_status, name="result_upload_status"),
    path("rounds/<int:pk>/lab/unmatched/", lab.unmatched_list, name="unmatched_list"),
    path("lab/results-template.<str:fmt>", lab.result_template, name="result_template"),
    # grid workers (敲门行动, 上门单采)
    path("rounds/<int:pk>/grids/<int:grid>/knock/", field.door_knocking, name="door_knocking"),
    path("rounds/<int:pk>/households/<int:household>/check/", field.household_check, name="household_check"),
    path("rounds/<int:pk>/resampling/", field.resampling_tasks, name="resampling_tasks"),  # ?grid=
    path("rounds/<int:pk>/resampling/<int:task>/collect/", field.resampling_collect, name="resampling_collect"),
    # deadlines, progress, the press report
    path("rounds/<int:pk>/board/", board.deadline_board, name="deadline_board"),
    path("rounds/<int:pk>/report/", board.press_report, name="press_report"),
    path("rounds/<int:pk>/report.xlsx", board.press_report_xlsx, name="press_report_xlsx"),
    *rounds.extra_urlpatterns,
    *sampling.extra_urlpatterns,
    *lab.extra_urlpatterns,
    *field.extra_urlpatterns,
    *board.extra_urlpatterns,
    *door.extra_urlpatterns,
]
