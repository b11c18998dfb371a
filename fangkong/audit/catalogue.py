"""Every kind of audit event, in one place. Event types are stable strings stored in the log."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    LOGIN = "auth.login", _("登录")
    LOGIN_FAILED = "auth.login_failed", _("登录失败")
    LOGIN_LOCKED = "auth.login_locked", _("账号锁定")
    LOGOUT = "auth.logout", _("退出")
    SECOND_FACTOR_ENROLLED = "auth.2fa_enrolled", _("绑定动态口令")
    API_TOKEN_ROTATED = "auth.api_token_rotated", _("更换 API 令牌")  # before hashed tokens; kept for old events
    API_TOKEN_CREATED = "auth.api_token_created", _("生成 API 令牌")
    API_TOKEN_REVOKED = "auth.api_token_revoked", _("作废 API 令牌")
    PASSWORD_CHANGED = "auth.password_changed", _("修改密码")
    GRANT_ADDED = "accounts.grant_added", _("授予管辖范围")
    GRANT_REMOVED = "accounts.grant_removed", _("撤销管辖范围")
    ACCOUNT_CREATED = "account.created", _("新建账号")
    ACCOUNT_CHANGED = "account.changed", _("修改账号信息或角色")
    ACCOUNT_GRANTS_CHANGED = "account.grants_changed", _("修改账号管辖范围")
    ACCOUNT_DEACTIVATED = "account.deactivated", _("停用账号")
    ACCOUNT_REACTIVATED = "account.reactivated", _("启用账号")
    ACCOUNT_PASSWORD_RESET = "account.password_reset", _("重置密码")
    ACCOUNT_SECOND_FACTOR_RESET = "account.second_factor_reset", _("重置动态口令")
    PLACE_CREATED = "geo.place_created", _("新建区域")
    PERSON_CREATED = "geo.person_created", _("新建人员")
    PERSON_UPDATED = "geo.person_updated", _("修改人员")
    ID_REVEALED = "geo.id_revealed", _("查看完整证件号")
    NUMBER_SEARCHED = "geo.number_searched", _("按完整证件号或手机号查询")
    IMPORT_BATCH = "geo.import_batch", _("批量导入")
    CITY_GENERATED = "geo.city_generated", _("生成演示城市")
    EXPORT = "data.export", _("导出数据")
    FILE_DOWNLOADED = "data.file_downloaded", _("下载上传文件或错误报告")
    FILES_EXPIRED = "data.files_expired", _("按保留期限删除文件")
    ADMIN_CREATED = "admin.created", _("后台新建")
    ADMIN_CHANGED = "admin.changed", _("后台修改")
    ADMIN_DELETED = "admin.deleted", _("后台删除")
    POLICY_ACTIVATED = "policy.activated", _("启用政策版本")
    POLICY_COPIED = "policy.copied", _("复制政策版本")
    POLICY_PARAMETER_CHANGED = "policy.parameter_changed", _("修改政策参数")
