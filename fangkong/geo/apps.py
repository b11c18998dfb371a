from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "fangkong.geo"
    label = "geo"
    verbose_name = "Places and people"
