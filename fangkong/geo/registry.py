"""What the registry of places and people plugs into the platform."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability, Module, NavEntry
from fangkong.core.roles import OFFICES, Role, roles

from .permissions import GeoCap


def _api(router) -> None:
    from .api import register

    register(router)


MODULE = Module(
    app="geo",
    capabilities=[
        # Need-to-know: the census (who lives where) is the offices' and grid workers' work; a supervisor,
        # a volunteer coordinator or an auditor granted a district sees its places and counts, not its people.
        Capability(
            GeoCap.VIEW_PEOPLE,
            _("查看辖区人员（姓名、住户、一人一档）"),
            _("您的角色无权查看辖区人员名单"),
            OFFICES | roles(Role.GRID_WORKER),
            personal=True,
        ),
        Capability(
            GeoCap.REVEAL_ID,
            _("查看完整证件号（须填写事由，留痕）"),
            _("您的角色无权查看完整证件号"),
            OFFICES | roles(Role.ISOLATION_SITE_STAFF, Role.HOSPITAL_STAFF),
            personal=True,
        ),
        Capability(GeoCap.EXPORT, _("导出数据"), _("您的角色无权导出数据"), OFFICES),
        Capability(GeoCap.IMPORT, _("批量导入人口与区域"), _("您的角色无权批量导入"), OFFICES | roles(Role.SYSTEM_ADMIN), personal=True),
    ],
    nav=[
        NavEntry("geo:browse", _("区域与人口"), "diagram-3", order=20, places=True),
        NavEntry("geo:person_search", _("人员查询"), "search", order=21, places=True, need_to_know=(GeoCap.VIEW_PEOPLE,)),
    ],
    url_prefix="places/",
    urlconf="fangkong.geo.urls",
    api=_api,
)
