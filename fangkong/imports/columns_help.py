"""What each template column takes, shown on the upload page and in the template's second sheet."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

COLUMN_HELP = {
    "district": _("呼和浩特市的区县名称或 6 位行政区划代码，如 新城区 或 150102"),
    "street": _("街道、镇或乡的名称；不存在时自动新建"),
    "community": _("社区、村或嘎查的名称；不存在时自动新建"),
    "grid": _("网格名称（选填）；不存在时在该社区下新建"),
    "compound": _("小区（或自然村）名称；不存在时自动新建"),
    "building": _("楼栋，如 1号楼"),
    "unit": _("单元，如 1单元"),
    "household": _("户号（房号），如 101；同一单元同一户号视为同一户"),
    "name": _("姓名；只填区域、不填姓名和证件号码的行只建区域和户"),
    "id_type": _("选填，默认居民身份证；可填 居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证"),
    "id_number": _("证件号码；身份证号须 18 位且校验位正确；同一号码在文件中或系统中已存在的行会报错，不会合并"),
    "sex": _("选填，男/女；填写时须与身份证号一致"),
    "birth_date": _("选填，YYYY-MM-DD；身份证号已含出生日期，填写时须与之一致；护照、通行证请填写。加密保存，页面只显示出生年份"),
    "phone": _("选填，11 位手机号或带区号的固定电话"),
    "tags": _("选填，重点人群标签，多个用 、 , ； 分隔，如 独居老人、低保"),
    "hukou_code": _("选填，户籍地 6 位行政区划代码，如 150102（呼和浩特市户籍以 1501 开头）；民生保障的发放条件用"),
    "family_status": _("选填，城乡低保、低保边缘、特困分散供养、特困集中供养 之一"),
    "disability_level": _("选填，轻度、中度、重度（失能失智）之一"),
    "model_worker_level": _("选填，市级、省部级、全国（劳动模范）之一"),
}
