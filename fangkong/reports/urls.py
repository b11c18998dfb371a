from django.urls import path

from . import board_views, capacity_views, views
from .accountability import views as accountability_views

app_name = "reports"
urlpatterns = [
    path("", views.home, name="home"),
    path("board/", board_views.board_panel, name="board"),
    path("board/drill/", board_views.board_drill, name="board_drill"),  # ?figure=cases.transfers_overdue&level=district&place=3
    path("board/owners/", board_views.board_owners, name="board_owners"),
    path("capacity/", capacity_views.capacity, name="capacity"),
    path("reports/accountability/", accountability_views.accountability, name="accountability"),  # ?start=&end=&unit=&figure=
]
