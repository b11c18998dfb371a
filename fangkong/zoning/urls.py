from django.urls import path

from . import duty_urls, views

app_name = "zoning"
urlpatterns = [
    path("", views.area_list, name="area_list"),
    path("declare/", views.area_declare, name="area_declare"),
    path("<int:pk>/", views.area_detail, name="area_detail"),
    path("<int:pk>/approve/", views.area_approve, name="area_approve"),
    path("<int:pk>/reject/", views.area_reject, name="area_reject"),
    path("<int:pk>/lift/", views.area_lift, name="area_lift"),
    path("figures/", views.figures, name="figures"),
    path("map/", views.area_map, name="map"),
    path("map.json", views.area_map_data, name="map_data"),
    path("public/", views.public_list, name="public_list"),
    path("public/feed.json", views.public_feed, name="public_feed"),
    path("public/notice/", views.public_notice, name="public_notice"),
]

# 4+N duty rosters and check-in
urlpatterns += duty_urls.urlpatterns
