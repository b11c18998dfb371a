"""An uploaded .xlsx checked before openpyxl opens it: no zip bomb, and its rows counted, not believed.

An .xlsx is a zip of XML parts. openpyxl, even in read-only mode, reads every part but the worksheets
whole — the shared-strings table above all, held as a Python list (about 7 bytes of memory per byte
of XML). A 312 KB file whose shared strings inflate to 300 MB made the web request (the lab upload)
and the import worker hold ~300 MB; the lab's 50 MB limit is on the compressed size, so ~50 GB was
within reach. Every xlsx reader calls `check_xlsx` first (`xlsx_rows` does it too). It reads the
zip's central directory and the small package parts that say which part is what, never the data:

- the parts openpyxl reads whole may inflate to `XLSX_MAX_HELD` in all (64 MB: the shared strings of
  an Excel-made 750,000-row registry file; ≈ 450 MB of memory at worst);
- the whole file, worksheets included (streamed, so they cost time, not memory), to `XLSX_MAX_TOTAL`
  (1 GiB: a full 1,048,576-row sheet of the import template is ~1 GB of XML — measured 95 MB for
  100,000 rows —, and the lab's 50 MB limit at the ~13–16:1 of real files is ≤ 800 MB);
- no part above 1 MB may inflate more than `XLSX_MAX_RATIO` times (100: real sheets measured 13–16,
  the bomb 1,000).

The declared sizes can be believed: zipfile never yields more of a part than its central directory
declares (it truncates, and the CRC check then fails). Which parts are worksheets is decided as
openpyxl decides it (relationships and content types); a part that is anything else as well — the
shared strings moved to xl/worksheets/, say — counts as read whole.

`xlsx_rows` counts the `<row>` elements of the first worksheet as it streams, for callers that
choose between the request and a background job: a file's own `<dimension>` can say 1 row and hold
a million.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, iterparse

from django.utils.translation import gettext as _

from .errors import DomainError

MB = 1024 * 1024
XLSX_MAX_HELD = 64 * MB
XLSX_MAX_TOTAL = 1024 * MB
XLSX_MAX_RATIO = 100
XLSX_RATIO_FROM = MB  # small parts (a theme, an empty sheet) may compress better than that

XlsxSource = str | Path | IO[bytes]

_CONTENT_TYPES = "[Content_Types].xml"
_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
}
# Parts openpyxl reads by their fixed name, whatever the package says they are.
_READ_BY_NAME = {_CONTENT_TYPES, "xl/workbook.xml", "xl/styles.xml", "xl/theme/theme1.xml", "docProps/core.xml", "docProps/custom.xml"}
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?row[\s/>]")
_ROW_OVERLAP = 40  # the longest match, less one: a row tag split between two chunks is counted once


# What a broken part raises as it is parsed (expat's ParseError is a SyntaxError).
_BROKEN = (zipfile.BadZipFile, SyntaxError, OSError, EOFError, ValueError, KeyError, NotImplementedError)


class XlsxRefused(DomainError):
    """An .xlsx that inflates beyond any real file: refused before it is opened."""


@dataclass
class _Package:
    infos: dict[str, zipfile.ZipInfo]
    overrides: dict[str, str] = field(default_factory=dict)  # part name → content type
    rels: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)  # .rels part → id → (type, target)

    def targets(self) -> Iterator[tuple[str, str]]:
        for by_id in self.rels.values():
            yield from by_id.values()

    def streamed(self) -> set[str]:
        """The worksheets openpyxl streams: named as worksheets, and as nothing else."""
        sheets = {t for kind, t in self.targets() if kind.endswith("/worksheet")}
        other = {t for kind, t in self.targets() if not kind.endswith("/worksheet")}
        other |= {name for name, kind in self.overrides.items() if kind != _WORKSHEET_TYPE}
        return {n for n in sheets - other - _READ_BY_NAME if n in self.infos and not n.endswith(".rels")}

    def first_sheet(self, archive: zipfile.ZipFile) -> str | None:
        """The part of the workbook's first worksheet (openpyxl's `worksheets[0]`)."""
        workbook = next((n for n, kind in self.overrides.items() if kind in _WORKBOOK_TYPES), "xl/workbook.xml")
        by_id = self.rels.get(_rels_path(workbook), {})
        if workbook not in self.infos:
            return None
        for elem in _elements(archive, workbook):
            if _local(elem.tag) != "sheet":
                continue
            rid = next((v for k, v in elem.attrib.items() if k.endswith("}id")), "")
            kind, target = by_id.get(rid, ("", ""))
            if target in self.infos and "chartsheet" not in kind:
                return target
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _elements(archive: zipfile.ZipFile, name: str) -> Iterator[Element]:
    """The part's elements as they end, streamed: nothing is kept once seen (a part of a million
    relationships costs no more memory than one of ten)."""
    with archive.open(name) as fh:
        root: Element | None = None
        for event, elem in iterparse(fh, events=("start", "end")):
            if event == "start":
                if root is None:
                    root = elem
                continue
            yield elem
            if root is not None:
                root.clear()


def _rels_path(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{base}.rels")


def _resolve(rels_name: str, target: str) -> str:
    """A relationship's target as a part name, as openpyxl resolves it (packaging.relationship.get_dependents)."""
    if target.startswith("/"):
        return target[1:]
    parent = posixpath.split(posixpath.dirname(rels_name))[0]
    return posixpath.normpath(posixpath.join(parent, target))


def _label(file: XlsxSource, name: str) -> str:
    if name:
        return Path(name).name
    if isinstance(file, str | Path):
        return Path(file).name
    return Path(str(getattr(file, "name", "") or "")).name or ".xlsx"


def _too_large(label: str, size: int, limit: int) -> XlsxRefused:
    return XlsxRefused(
        _("文件“%(name)s”解压后过大（约 %(size)s MB，上限 %(limit)s MB），无法读取；请分成几个文件上传，或改用 CSV")
        % {"name": label, "size": -(-size // MB), "limit": limit // MB},
        rule="core.xlsx_size",
        field="file",
    )


def _read_package(archive: zipfile.ZipFile, label: str) -> _Package:
    """Sizes, ratios, and which part is what; refuses a bomb before any part is inflated."""
    package = _Package({i.filename: i for i in archive.infolist()})
    total = 0
    for info in package.infos.values():
        total += info.file_size
        if info.file_size > XLSX_RATIO_FROM and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
            raise XlsxRefused(
                _("文件“%(name)s”解压后过大（压缩比 %(ratio)s:1，正常的 Excel 文件不超过 %(limit)s:1），不是正常的表格文件，无法读取")
                % {"name": label, "ratio": info.file_size // max(info.compress_size, 1), "limit": XLSX_MAX_RATIO},
                rule="core.xlsx_ratio",
                field="file",
            )
    if total > XLSX_MAX_TOTAL:
        raise _too_large(label, total, XLSX_MAX_TOTAL)
    # The parts that say which part is what are read whole by openpyxl too: bounded before they are parsed.
    described = [n for n in package.infos if n == _CONTENT_TYPES or n.endswith(".rels")]
    described_size = sum(package.infos[n].file_size for n in described)
    if described_size > XLSX_MAX_HELD:
        raise _too_large(label, described_size, XLSX_MAX_HELD)
    try:
        if _CONTENT_TYPES in package.infos:
            for elem in _elements(archive, _CONTENT_TYPES):
                if _local(elem.tag) == "Override":
                    package.overrides[elem.get("PartName", "").lstrip("/")] = elem.get("ContentType", "")
        for rels in (n for n in described if n != _CONTENT_TYPES):
            by_id = package.rels.setdefault(rels, {})
            for elem in _elements(archive, rels):
                if _local(elem.tag) == "Relationship" and elem.get("TargetMode") != "External":
                    by_id[elem.get("Id", "")] = (elem.get("Type", ""), _resolve(rels, elem.get("Target", "")))
    except _BROKEN:
        package.overrides.clear()  # unreadable: no part counts as streamed, the whole file as held
        package.rels.clear()
    held = total - sum(package.infos[n].file_size for n in package.streamed())
    if held > XLSX_MAX_HELD:
        raise _too_large(label, held, XLSX_MAX_HELD)
    return package


@contextmanager
def _opened(file: XlsxSource) -> Iterator[zipfile.ZipFile | None]:
    """The zip (None if the file is not one: its reader then says what is wrong with it, as
    before); a caller's file object is put back where it was."""
    fh = None if isinstance(file, str | Path) else file
    position = fh.tell() if fh is not None else 0
    try:
        try:
            archive = zipfile.ZipFile(file)
        except _BROKEN:
            yield None
            return
        with archive:
            yield archive
    finally:
        if fh is not None:
            fh.seek(position)


def check_xlsx(file: XlsxSource, *, name: str = "") -> None:
    """Refuse (XlsxRefused, naming the file) an .xlsx that inflates beyond the caps above, before
    openpyxl opens it. A path or a seekable binary file, left where it was; `name` is the name the
    user knows. A file that is not a zip passes: the reader refuses it in its own words."""
    with _opened(file) as archive:
        if archive is not None:
            _read_package(archive, _label(file, name))


def xlsx_rows(file: XlsxSource, *, name: str = "") -> int:
    """The rows (header included) of the first worksheet, counted as its XML streams — never the
    file's own `<dimension>`. `check_xlsx` first (XlsxRefused); 0 for a file that is not a readable
    workbook (its reader says why)."""
    with _opened(file) as archive:
        if archive is None:
            return 0
        package = _read_package(archive, _label(file, name))
        try:
            sheet = package.first_sheet(archive)
            return _count_rows(archive, sheet) if sheet else 0
        except _BROKEN:
            return 0  # a broken part: the reader refuses the file


def _count_rows(archive: zipfile.ZipFile, sheet: str) -> int:
    rows = 0
    tail = b""
    with archive.open(sheet) as fh:
        while chunk := fh.read(4 * MB):
            buf = tail + chunk
            cut = max(len(buf) - _ROW_OVERLAP, 0)
            rows += sum(1 for m in _ROW.finditer(buf) if m.start() < cut)
            tail = buf[cut:]
    return rows + len(_ROW.findall(tail))
