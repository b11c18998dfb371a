"""A form field's widget as plain HTML, for pages that render hundreds of them.

Django renders each widget through its own templates (a select through one more per option): the
door-knocking page of a grid with ~40 households to visit rendered ~250 widgets in ~0.6 s, most of
the page's time. This renders the same markup — name, id, attributes, value, options, selection —
from the bound field directly. Text-like inputs and selects only; anything else falls back to
Django's rendering.
"""

from __future__ import annotations

from html import escape

from django import forms, template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _attrs(attrs: dict) -> str:
    """As django.forms.utils.flatatt: True → the bare name, False/None → left out, else name="value"."""
    out = []
    for name, value in attrs.items():
        if value is True:
            out.append(f" {name}")
        elif value is not False and value is not None:
            out.append(f' {name}="{escape(str(value))}"')
    return "".join(out)


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
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) == chosen else ""}>{escape(str(label), quote=False)}</option>'
            for v, label in bf.field.choices
        )
        return mark_safe(f"<select{_attrs(attrs)}>{options}</select>")  # noqa: S308 - every value escaped above
    attrs["type"] = widget.input_type
    shown = widget.format_value(value)
    if shown is not None:
        attrs["value"] = shown
    return mark_safe(f"<input{_attrs(attrs)}>")  # noqa: S308 - every value escaped in _attrs
