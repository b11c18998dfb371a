"""快隔 URLs (included at /isolation/)."""

from django.urls import path

from .views import episodes, figures, handover, inbound, results, sites, tracing

app_name = "isolation"
urlpatterns = [
    # sites: occupancy, room plan, rooms, staff, checklist, incidents
    path("", sites.site_list, name="site_list"),
    path("sites/new/", sites.site_create, name="site_create"),
    path("sites/<int:pk>/", sites.site_detail, name="site_detail"),
    path("sites/<int:pk>/rooms/", sites.room_grid, name="room_grid"),
    path("sites/<int:pk>/rooms/new/", sites.room_add, name="room_add"),
    path("sites/<int:pk>/staff/new/", sites.staff_add, name="staff_add"),
    path("sites/<int:pk>/checklist/", sites.checklist, name="checklist"),
    path("sites/<int:pk>/incidents/new/", sites.incident_create, name="incident_create"),
    path("checklists/", sites.checklist_board, name="checklist_board"),
    path("incidents/", sites.incident_list, name="incident_list"),
    path("incidents/<int:pk>/resolve/", sites.incident_resolve, name="incident_resolve"),
    # the loop to release: 日清日结 board, episodes, check-in, the day's sampling sheet, results
    path("awaiting/", episodes.awaiting_board, name="awaiting_board"),
    path("awaiting/check-in/", episodes.awaiting_check_in, name="awaiting_check_in"),
    path("episodes/", episodes.episode_list, name="episode_list"),
    path("episodes/new/", episodes.episode_create, name="episode_create"),
    path("episodes/<int:pk>/", episodes.episode_detail, name="episode_detail"),
    path("episodes/<int:pk>/transit/", episodes.episode_transit, name="episode_transit"),
    path("episodes/<int:pk>/check-in/", episodes.episode_check_in, name="episode_check_in"),
    path("episodes/<int:pk>/move/", episodes.episode_move, name="episode_move"),
    path("episodes/<int:pk>/cancel/", episodes.episode_cancel, name="episode_cancel"),
    path("episodes/<int:pk>/release/", episodes.episode_release, name="episode_release"),
    path("tests/<int:pk>/result/", results.test_result, name="test_result"),
    path("sites/<int:pk>/day-sheet/", results.day_sheet, name="day_sheet"),  # ?day=2022-11-30
    # handover (手递手) and the home phase
    path("handovers/", handover.handover_list, name="handover_list"),
    path("handovers/<int:pk>/confirm/", handover.handover_confirm, name="handover_confirm"),
    path("home/", handover.home_list, name="home_list"),
    path("episodes/<int:pk>/home/start/", handover.home_start, name="home_start"),
    path("episodes/<int:pk>/home/check/", handover.home_check, name="home_check"),
    path("episodes/<int:pk>/complete/", handover.episode_complete, name="episode_complete"),
    # inbound travellers
    path("inbound/", inbound.arrival_list, name="arrival_list"),
    path("inbound/new/", inbound.arrival_create, name="arrival_create"),
    # figures
    path("figures/", figures.figures, name="figures"),
    # 流调: cases' contacts, the contacts awaiting isolation, the cluster graph (tracing/…)
    *tracing.urlpatterns,
]
