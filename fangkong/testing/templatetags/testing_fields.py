"""A form field's widget as plain HTML, for pages that render hundreds of them.

Django renders each widget through its own templates (a select through one more per option): the
door-knocking page of a grid with ~40 households to visit rendered ~250 widgets in ~0.6 s, most of
the page's time. This renders the same markup — name, id, attributes, value, options, selection —
from the bound field directly. Text-like inputs and selects only; anything else falls back to
Django's rendering.
"""

from __future__ import annotations

from django import forms, template
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def fast_widget(bf: forms.BoundField) -> SafeString:
    widget = bf.field.widget
    if type(widget) not in (forms.Select, forms.TextInput):
        return bf.as_widget()
    attrs = {**widget.attrs, **bf.build_widget_attrs({}, widget), "name": bf.html_name}  # required, aria-*, disabled
    if bf.auto_id and "id" not in widget.attrs:
        attrs["id"] = bf.auto_id
    value = bf.value()
    if isinstance(widget, forms.Select):
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, mark_safe(" selected") if str(v) == chosen else "", label) for v, label in bf.field.choices),
        )
        return format_html("<select{}>{}</select>", flatatt(attrs), options)
    attrs["type"] = widget.input_type
    shown = widget.format_value(value)
    if shown is not None:
        attrs["value"] = shown
    return format_html("<input{}>", flatatt(attrs))
