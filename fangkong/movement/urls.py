from django.urls import path

from .views import batches, check, checkpoints, departures, handover, own, passes

app_name = "movement"
urlpatterns = [
    path("", departures.home, name="home"),
    # 一车一事一证
    path("passes/", passes.pass_list, name="pass_list"),
    path("passes/new/", passes.pass_new, name="pass_new"),
    path("passes/refused/", passes.refused_scans, name="refused_scans"),
    path("passes/<int:pk>/", passes.pass_detail, name="pass_detail"),
    path("passes/<int:pk>/approve/", passes.pass_approve, name="pass_approve"),
    path("passes/<int:pk>/revoke/", passes.pass_revoke, name="pass_revoke"),
    path("keys/pass-signing.json", passes.public_key, name="public_key"),
    # the pass on the driver's phone (public, by its signed link)
    path("d/<str:token>/", passes.driver_pass, name="driver_pass"),
    # checkpoints
    path("check/", check.check, name="check"),
    path("check/scan/", check.scan, name="scan"),
    path("check/revocations.json", check.revocations, name="revocations"),
    path("checkpoints/", checkpoints.checkpoint_list, name="checkpoint_list"),
    path("checkpoints/<int:pk>/", checkpoints.checkpoint_detail, name="checkpoint_detail"),
    path("checkpoints/<int:pk>/decide/", checkpoints.checkpoint_decide, name="checkpoint_decide"),
    path("checkpoints/<int:pk>/shifts/", checkpoints.checkpoint_shifts, name="checkpoint_shifts"),
    path("checkpoints/shifts/<int:pk>/cancel/", checkpoints.checkpoint_shift_cancel, name="checkpoint_shift_cancel"),
    # 有序离呼
    path("departures/applications/", departures.application_list, name="application_list"),
    path("departures/applications/new/", departures.application_new, name="application_new"),
    path("departures/applications/decide/", departures.applications_decide, name="applications_decide"),
    path("departures/own/", own.own_list, name="own_list"),
    path("departures/own/<int:pk>/review/", own.own_review, name="own_review"),
    # residents' own applications (public, no account)
    path("apply/", own.apply, name="apply"),
    path("apply/done/", own.applied, name="applied"),
    path("departures/", departures.departure_list, name="departure_list"),
    path("departures/<int:pk>/", departures.departure_detail, name="departure_detail"),
    path("departures/<int:pk>/assign/", departures.departure_assign, name="departure_assign"),
    # 点对点
    path("batches/", batches.batch_list, name="batch_list"),
    path("batches/<int:pk>/", batches.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/receive/", handover.batch_receive, name="batch_receive"),
    # a receiving unit outside this city (public, its one-time link)
    path("handover/", handover.handover_confirm, name="handover_confirm"),
    path("handover/<str:token>/", handover.handover_link, name="handover_link"),
    path("batches/<int:pk>/<slug:step>/", batches.batch_step, name="batch_step"),
]
