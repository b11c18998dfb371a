"""Base models shared by every domain app. No domain models live here."""

from django.db import models


class TimeStampedModel(models.Model):
    """A row that knows when it was created and last changed (stored in UTC)."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class EncryptedTextField(models.TextField):
    """A secret kept encrypted at rest (fangkong.core.crypto: AES-GCM under FANGKONG_DATA_KEY, with its
    key-version prefix): Python code reads and writes the clear value, the column holds only the
    ciphertext. Not for look-ups (each write draws a fresh nonce). `max_length` bounds the clear value
    in forms; the column is text. A one-line input in forms, not a text area."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str | None:
        from .crypto import decrypt

        return value if value in (None, "") else decrypt(value)

    def get_prep_value(self, value: object) -> str | None:
        from .crypto import encrypt

        value = super().get_prep_value(value)
        return value if value in (None, "") else encrypt(value)

    def formfield(self, **kwargs):  # type: ignore[no-untyped-def]
        from django import forms

        return super().formfield(**{"widget": forms.TextInput, **kwargs})
