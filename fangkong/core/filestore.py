"""Private files: uploaded import files, lab result files and error reports, encrypted at rest.

They hold full ID numbers and phones, so they are never served as media and never lie on disk in
plaintext. `private_storage()` is a Django storage (use it as a FileField's `storage`) that keeps
files under settings.FANGKONG_PRIVATE_FILES_ROOT (outside MEDIA_ROOT and STATIC_ROOT; no URL
maps to it), directories 0700 and files 0600, each file encrypted with its own key (HKDF of the
data key, fangkong.core.crypto.file_cipher, with a random salt in the file's header).

The format streams: the plaintext is cut into 64 KiB chunks, each sealed with AES-GCM under its
index as the nonce and a final-chunk flag in the associated data, so a 100 MB upload is encrypted
and decrypted chunk by chunk (never whole in memory), a chunk cannot be moved, and a truncated file
is detected. Reading is random-access (`seek`), so openpyxl can read an .xlsx straight from it.

    header  b"FKEF" + b"\\x01" + 16-byte salt
    chunks  AES-GCM(key, nonce=index as 12 bytes, aad=header + final flag), 64 KiB + 16-byte tag each;
            the last holds 1 … 64 KiB (0 only for an empty file)

Only the owner of a file and the auditor read it, through a scoped view that audits the download
(fangkong.imports.views, fangkong.testing.views.lab); a periodic task deletes files past the
retention period (policy parameter data.upload_retention_days).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse
from django.utils.deconstruct import deconstructible

from .crypto import file_cipher, file_ciphers

MAGIC = b"FKEF\x01"
SALT_BYTES = 16
HEADER_BYTES = len(MAGIC) + SALT_BYTES
CHUNK = 64 * 1024
TAG = 16
FILE_MODE = 0o600
DIR_MODE = 0o700


class CorruptFile(ValueError):
    """Not an encrypted file of this store, encrypted under another key, altered, or cut short."""


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


def _aad(header: bytes, final: bool) -> bytes:
    return header + (b"\x01" if final else b"\x00")


def plaintext_size(encrypted_size: int) -> int:
    body = encrypted_size - HEADER_BYTES
    if body < TAG:
        raise CorruptFile("file too short")
    chunks = -(-body // (CHUNK + TAG))
    return body - chunks * TAG


class EncryptingWriter(io.RawIOBase):
    """Writes the header, then each full chunk as it fills; `close()` seals the last one."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        salt = os.urandom(SALT_BYTES)
        self._header = MAGIC + salt
        self._aead = file_cipher(salt)
        self._buffer = bytearray()
        self._index = 0
        raw.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self._buffer += view
        while len(self._buffer) > CHUNK:  # keep at least one byte back: the last chunk is sealed as final
            self._seal(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(view)

    def _seal(self, chunk: bytes, *, final: bool) -> None:
        self._raw.write(self._aead.encrypt(_nonce(self._index), chunk, _aad(self._header, final)))
        self._index += 1

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._seal(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._raw.flush()
            os.fsync(self._raw.fileno())
        finally:
            self._raw.close()
            super().close()

    def abandon(self) -> None:
        """Close without sealing (the file stays unreadable; the caller deletes it)."""
        self._raw.close()
        super().close()


class DecryptingReader(io.RawIOBase):
    """The plaintext of an encrypted file, readable and seekable; a chunk is decrypted when read."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self._header = raw.read(HEADER_BYTES)
        if len(self._header) != HEADER_BYTES or not self._header.startswith(MAGIC):
            raw.close()
            raise CorruptFile("not an encrypted fangkong file")
        self._ciphers = file_ciphers(self._header[len(MAGIC) :])  # the current key first, then retired ones
        self._aead = self._ciphers[0]
        encrypted = os.fstat(raw.fileno()).st_size if hasattr(raw, "fileno") else raw.seek(0, io.SEEK_END)
        self._size = plaintext_size(encrypted)
        self._chunks = max(1, -(-self._size // CHUNK))
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def _chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        final = index == self._chunks - 1
        self._raw.seek(HEADER_BYTES + index * (CHUNK + TAG))
        sealed = self._raw.read(CHUNK + TAG)
        plain = None
        for aead in [self._aead, *(c for c in self._ciphers if c is not self._aead)]:
            try:
                plain = aead.decrypt(_nonce(index), sealed, _aad(self._header, final))
            except InvalidTag:
                continue
            self._aead, self._ciphers = aead, [aead]  # the file's key found: the other keys are not tried again
            break
        if plain is None:
            raise CorruptFile(f"chunk {index} does not decrypt (another key, altered, or cut short)")
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer: Any) -> int:
        if self._pos >= self._size:
            return 0
        index, offset = divmod(self._pos, CHUNK)
        piece = self._chunk(index)[offset : offset + len(buffer)]
        buffer[: len(piece)] = piece
        self._pos += len(piece)
        return len(piece)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class PrivateFile(File):
    """A stored file opened through the storage (a FieldFile's `.open()`), re-openable after close."""

    def __init__(self, storage: PrivateFileStorage, name: str) -> None:
        self._storage = storage
        super().__init__(storage.stream(name), name=name)

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> PrivateFile:
        if not self.closed:
            self.seek(0)
        else:
            self.file = self._storage.stream(self.name)
        return self


@deconstructible(path="fangkong.core.filestore.PrivateFileStorage")
class PrivateFileStorage(FileSystemStorage):
    """Encrypted, private, never served. See the module docstring."""

    def __init__(self) -> None:
        super().__init__(file_permissions_mode=FILE_MODE, directory_permissions_mode=DIR_MODE)

    @property
    def base_location(self) -> str:  # read each time, so a test's settings override applies
        return str(settings.FANGKONG_PRIVATE_FILES_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no URL: download them through their scoped view")

    def stream(self, name: str) -> io.BufferedReader:
        """The plaintext of `name` as a plain binary file object (readable, seekable), decrypted as read."""
        raw = open(self.path(name), "rb")  # noqa: SIM115 - closed with the returned reader
        return io.BufferedReader(DecryptingReader(raw), buffer_size=CHUNK)

    def _open(self, name: str, mode: str = "rb") -> File:
        if any(m in mode for m in "wa+"):
            raise ValueError("private files are written with save() or create()")
        return PrivateFile(self, name)

    def create(self, name: str) -> EncryptingWriter:
        """A new file at exactly `name` (refused if it exists), to write into and close."""
        path = Path(self.path(name))
        self._make_dirs(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
        os.chmod(path, FILE_MODE)
        return EncryptingWriter(os.fdopen(fd, "wb"))

    def _make_dirs(self, directory: Path) -> None:
        root = Path(self.location)
        root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(root, DIR_MODE)
        for part in reversed([directory, *directory.parents]):
            if part == root or root not in part.parents:
                continue
            if not part.exists():
                part.mkdir(mode=DIR_MODE, exist_ok=True)
                os.chmod(part, DIR_MODE)

    def _save(self, name: str, content: File) -> str:
        while True:
            try:
                writer = self.create(name)
            except FileExistsError:
                name = self.get_available_name(name)
                continue
            break
        try:
            if hasattr(content, "seek") and getattr(content, "seekable", lambda: True)():
                content.seek(0)
            for piece in content.chunks(CHUNK):
                writer.write(piece)
        except BaseException:
            writer.abandon()
            self.delete(name)
            raise
        writer.close()
        return str(name).replace("\\", "/")

    def size(self, name: str) -> int:
        return plaintext_size(os.path.getsize(self.path(name)))

    def walk(self, prefix: str = "") -> Iterator[tuple[str, datetime]]:
        """Every stored file under `prefix` (a folder name), with its modification time."""
        start = Path(self.path(prefix)) if prefix else Path(self.location)
        if not start.is_dir():
            return
        root = Path(self.location)
        for directory, _dirs, files in os.walk(start):
            for filename in files:
                full = Path(directory) / filename
                name = full.relative_to(root).as_posix()
                yield name, self.get_modified_time(name)


_storage: PrivateFileStorage | None = None


def private_storage() -> PrivateFileStorage:
    """The store (a FileField's `storage=private_storage`)."""
    global _storage
    if _storage is None:
        _storage = PrivateFileStorage()
    return _storage


def delete_expired(*, expired: set[str], keep: set[str], prefix: str, referenced: set[str], before: datetime) -> tuple[int, int]:
    """The retention sweep's file half: delete the `expired` names except those still in use (`keep`:
    a newer job re-running the same file), then every file under `prefix` last written before
    `before` that no row references (a report a killed job left, an upload whose row was deleted).
    Returns (files deleted, orphans deleted)."""
    storage = private_storage()
    deleted = 0
    for name in sorted(expired - keep):
        if name and storage.exists(name):
            storage.delete(name)
            deleted += 1
    orphans = 0
    for name, modified in list(storage.walk(prefix)):
        if name not in referenced and name not in keep and modified < before:
            storage.delete(name)
            orphans += 1
    return deleted, orphans


def download_response(stream: IO[bytes], *, filename: str, content_type: str) -> FileResponse:
    """A private file as an attachment that no browser or proxy keeps (Cache-Control: no-store)."""
    response = FileResponse(stream, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def adopt_plaintext(source: str | Path, name: str) -> str:
    """Encrypt a plaintext file left by an earlier version (under MEDIA_ROOT) into the store under
    `name`, then delete the plaintext. Returns the stored name."""
    storage = private_storage()
    with open(source, "rb") as fh:
        stored = storage.save(name, File(fh))
    Path(source).unlink()
    return stored


def adopt_media_files(model: Any, fields: list[str]) -> int:
    """The data migration of earlier uploads: each row's files still lying in plaintext under
    MEDIA_ROOT are encrypted into the store and the plaintext deleted. Returns how many were moved."""
    media = Path(settings.MEDIA_ROOT)
    moved = 0
    for field in fields:
        for pk, name in model.objects.exclude(**{field: ""}).values_list("pk", field):
            old = media / name
            if not old.is_file():
                continue
            stored = adopt_plaintext(old, name)
            if stored != name:
                model.objects.filter(pk=pk).update(**{field: stored})
            moved += 1
    return moved
