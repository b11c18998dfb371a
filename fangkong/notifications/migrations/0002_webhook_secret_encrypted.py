"""Webhook secrets encrypted at rest: the column becomes text holding the AES-GCM ciphertext
(core.models.EncryptedTextField), and the secrets already stored in clear are encrypted in place.
Raw SQL, because the historical model would try to decrypt the clear values on reading them."""

from django.db import migrations

import fangkong.core.models


def _rewrite(schema_editor, convert) -> None:  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    table = connection.ops.quote_name("notifications_webhook")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, secret FROM {table}")  # noqa: S608 — a fixed table name
        rows = cursor.fetchall()
        for pk, value in rows:
            if value:
                cursor.execute(f"UPDATE {table} SET secret = %s WHERE id = %s", [convert(value), pk])  # noqa: S608


def encrypt_secrets(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    from fangkong.core.crypto import decrypt, encrypt

    def seal(value: str) -> str:
        try:
            decrypt(value)  # already a ciphertext under this key (a re-run): keep it
        except Exception:
            return encrypt(value)
        return value

    _rewrite(schema_editor, seal)


def decrypt_secrets(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    from fangkong.core.crypto import decrypt

    _rewrite(schema_editor, decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="webhook",
            name="secret",
            field=fangkong.core.models.EncryptedTextField(help_text="接收方用它验证签名；至少 32 个字符", max_length=128, verbose_name="签名密钥"),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets),
    ]
