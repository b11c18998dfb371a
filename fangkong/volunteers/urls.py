from django.urls import path

from .views import coordinator, figures, public, serving

app_name = "volunteers"
urlpatterns = [
    # public, without a platform account
    path("apply/", public.apply, name="apply"),
    path("apply/thanks/", public.applied, name="applied"),
    path("v/<str:token>/", public.personal_link, name="personal_link"),
    path("me/", public.me, name="me"),
    path("me/sign-up/", public.me_sign_up, name="me_sign_up"),
    path("me/certificate/", public.certificate, name="certificate"),
    path("me/leave/", public.leave, name="leave"),
    path("scan/<str:code>/", public.scan, name="scan"),
    # the coordinator's
    path("", coordinator.volunteer_list, name="volunteer_list"),
    path("import/", coordinator.volunteer_import, name="volunteer_import"),
    path("<int:pk>/", coordinator.volunteer_detail, name="volunteer_detail"),
    path("<int:pk>/verify/", coordinator.volunteer_verify, name="volunteer_verify"),
    path("<int:pk>/approve/", coordinator.volunteer_approve, name="volunteer_approve"),
    path("<int:pk>/reject/", coordinator.volunteer_reject, name="volunteer_reject"),
    path("<int:pk>/link/", coordinator.volunteer_link, name="volunteer_link"),
    path("organisations/", coordinator.organisation_list, name="organisation_list"),
    path("points/", coordinator.point_list, name="point_list"),
    path("points/<int:pk>/", coordinator.point_detail, name="point_detail"),
    path("needs/<int:pk>/", coordinator.need_detail, name="need_detail"),
    path("serving/", serving.deployment_list_page, name="deployment_list"),
    path("serving/<int:pk>/", serving.deployment_detail, name="deployment_detail"),
    path("serving/<int:pk>/end/", serving.deployment_end, name="deployment_end"),
    path("serving/<int:pk>/roster/", serving.deployment_roster, name="deployment_roster"),
    path("totals/", figures.totals, name="totals"),
    path("fleet/", figures.fleet, name="fleet"),
]
