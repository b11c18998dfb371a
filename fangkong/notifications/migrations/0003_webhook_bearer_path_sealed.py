"""A webhook delivery's bearer link (a receiving unit's one-time handover link, rule
movement.destination_notice) sealed apart in `path_cipher` and redacted in the stored payload; the
links already stored are moved: sealed where the delivery may still be sent, dropped where it is done
(delivered or failed — its link is never sent again)."""

from django.db import migrations, models

BEARER_RULES = ("movement.destination_notice",)  # the rules with Rule.bearer_links at this migration
HANDOVER = "/movement/handover/"


def _redacted(path: str) -> str:
    head, _sep, _tail = path.rstrip("/").rpartition("/")
    return f"{head}/…/"


def seal_links(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    from fangkong.core.crypto import encrypt

    Delivery = apps.get_model("notifications", "WebhookDelivery")
    for d in Delivery.objects.filter(rule__in=BEARER_RULES, path_cipher="").iterator():
        path = str((d.payload or {}).get("path") or "")
        if HANDOVER not in path or path.endswith("/…/"):
            continue
        d.path_cipher = encrypt(path) if d.status == "pending" else ""
        d.payload = {**d.payload, "path": _redacted(path)}
        d.save(update_fields=["payload", "path_cipher"])


def unseal_links(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    from fangkong.core.crypto import decrypt

    Delivery = apps.get_model("notifications", "WebhookDelivery")
    for d in Delivery.objects.exclude(path_cipher="").iterator():
        d.payload = {**d.payload, "path": decrypt(d.path_cipher)}
        d.path_cipher = ""
        d.save(update_fields=["payload", "path_cipher"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_webhook_secret_encrypted"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="path_cipher",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(seal_links, unseal_links),
    ]
