"""The daily report's files: .docx (python-docx), PDF (reportlab, with its built-in CID font
STSong-Light so Chinese renders with no font file on the machine) and the figures as .xlsx (the
platform's one xlsx writer, every cell through the formula rule). Each takes the `Document` of
document.py and returns bytes; the views audit and send them."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.exports import Column, write_xlsx

from .document import Document

FONT = "STSong-Light"


# ---- PDF ----


def _pdf_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pdf_bytes(doc: Document) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    font = _pdf_font()
    title = ParagraphStyle("title", fontName=font, fontSize=20, leading=30, alignment=TA_CENTER, spaceAfter=4 * mm)
    centred = ParagraphStyle("date", fontName=font, fontSize=12, leading=18, alignment=TA_CENTER)
    right = ParagraphStyle("issuer", fontName=font, fontSize=11, leading=16, alignment=TA_RIGHT)
    heading = ParagraphStyle("heading", fontName=font, fontSize=14, leading=22, spaceBefore=5 * mm, spaceAfter=2 * mm)
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, firstLineIndent=24)
    cell = ParagraphStyle("cell", fontName=font, fontSize=10, leading=13)

    buffer = io.BytesIO()
    page = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=28 * mm, rightMargin=26 * mm, topMargin=37 * mm, bottomMargin=35 * mm, title=doc.title
    )
    width = A4[0] - 54 * mm
    story: list[Any] = [Paragraph(_escape(doc.title), title), Paragraph(_escape(doc.date_line), centred)]
    story += [Paragraph(_escape(doc.issuer), right), Paragraph(_escape(doc.status_line), right), Spacer(1, 4 * mm)]
    for section in doc.sections:
        story.append(Paragraph(_escape(section.heading), heading))
        story += [Paragraph(_escape(p), body) for p in section.paragraphs]
        if section.table is not None:
            t = section.table
            weights = t.widths or [1] * len(t.headers)
            widths = [width * w / sum(weights) for w in weights]
            data = [[Paragraph(_escape(h), cell) for h in t.headers]] + [[Paragraph(_escape(str(v)), cell) for v in row] for row in t.rows]
            table = LongTable(data, colWidths=widths, repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ]
                )
            )
            story.append(Spacer(1, 2 * mm))
            story.append(table)

    def page_number(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 10)
        canvas.drawCentredString(A4[0] / 2, 20 * mm, f"— {canvas.getPageNumber()} —")
        canvas.restoreState()

    page.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


# ---- .docx ----


def docx_bytes(doc: Document) -> bytes:
    from docx import Document as Docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    out = Docx()
    normal = out.styles["Normal"]
    normal.font.name = "FangSong"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    normal.font.size = Pt(14)

    def para(text: str, *, size: int = 14, bold: bool = False, align: Any = None, east: str = "仿宋") -> None:
        p = out.add_paragraph()
        if align is not None:
            p.alignment = align
        run = p.add_run(text)
        run.font.size = Pt(size)
        run.bold = bold
        run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east)

    para(doc.title, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, east="方正小标宋简体")
    para(doc.date_line, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc.issuer, size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc.status_line, size=12, align=WD_ALIGN_PARAGRAPH.RIGHT)
    for section in doc.sections:
        para(section.heading, size=16, east="黑体")
        for text in section.paragraphs:
            p = out.add_paragraph(text)
            p.paragraph_format.first_line_indent = Pt(28)
        if section.table is not None:
            t = section.table
            table = out.add_table(rows=1, cols=len(t.headers))
            table.style = "Table Grid"
            for i, h in enumerate(t.headers):
                table.rows[0].cells[i].text = h
            for row in t.rows:
                cells = table.add_row().cells
                for i, v in enumerate(row):
                    cells[i].text = str(v)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


# ---- .xlsx (the figures) ----


def xlsx_bytes(*, title: str, headers: list[str], rows: list[list[Any]], about: list[tuple[str, Any]]) -> bytes:
    columns = [Column(h, (lambda row, i=i: row[i]), width=18 if i == 0 else 12) for i, h in enumerate(headers)]
    buffer = io.BytesIO()
    write_xlsx(buffer, title=title, columns=columns, rows=rows, about=about, about_title=_("说明"))
    return buffer.getvalue()
