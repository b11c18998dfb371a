"""What the bulk import of the registry plugs into the platform (it acts under geo's GeoCap.IMPORT)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Module, NavEntry
from fangkong.geo.permissions import GeoCap

MODULE = Module(
    app="imports",
    nav=[NavEntry("imports:job_list", _("批量导入"), "upload", capability=GeoCap.IMPORT, order=80)],
    url_prefix="imports/",
    urlconf="fangkong.imports.urls",
)
