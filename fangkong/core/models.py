"""Base models shared by every domain app. No domain models live here."""

from django.db import models


class TimeStampedModel(models.Model):
    """A row that knows when it was created and last changed (stored in UTC)."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True
