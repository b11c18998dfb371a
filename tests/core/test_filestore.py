"""The private file store: encrypted in 64 KiB chunks, random-access reads, damage detected, 0600."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from fangkong.core import filestore
from fangkong.core.filestore import CHUNK, CorruptFile, private_storage


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17])
def test_round_trip_at_every_chunk_boundary(size):
    data = os.urandom(size)
    storage = private_storage()
    name = storage.save("t/a.bin", ContentFile(data))
    assert storage.size(name) == size
    with storage.stream(name) as fh:
        assert fh.read() == data
    on_disk = Path(storage.path(name)).read_bytes()
    assert on_disk.startswith(filestore.MAGIC) and (size < 16 or data[:16] not in on_disk)


def test_reads_are_random_access_so_openpyxl_can_seek():
    data = bytes(range(256)) * 1000  # 256,000 bytes: four chunks
    name = private_storage().save("t/b.bin", ContentFile(data))
    with private_storage().stream(name) as fh:
        fh.seek(CHUNK * 2 + 5)
        assert fh.read(10) == data[CHUNK * 2 + 5 : CHUNK * 2 + 15]
        fh.seek(-3, io.SEEK_END)
        assert fh.read() == data[-3:]
        fh.seek(7)
        assert fh.read(CHUNK) == data[7 : 7 + CHUNK]


def test_files_and_directories_are_private(_private_files):
    name = private_storage().save("imports/uploads/2022/02/x.csv", ContentFile(b"a,b\n"))
    path = private_storage().path(name)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for directory in (os.path.dirname(path), str(_private_files)):
        assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    with pytest.raises(ValueError):
        private_storage().url(name)


def test_a_cut_altered_or_foreign_file_does_not_read(settings):
    data = os.urandom(3 * CHUNK)
    storage = private_storage()
    name = storage.save("t/c.bin", ContentFile(data))
    path = storage.path(name)
    raw = Path(path).read_bytes()
    # cut at a chunk boundary: the last remaining chunk was not sealed as the last one
    with open(path, "wb") as fh:
        fh.write(raw[: filestore.HEADER_BYTES + 2 * (CHUNK + filestore.TAG)])
    with pytest.raises(CorruptFile), storage.stream(name) as fh:
        fh.read()
    # one bit flipped
    altered = bytearray(raw)
    altered[filestore.HEADER_BYTES + 100] ^= 1
    with open(path, "wb") as fh:
        fh.write(altered)
    with pytest.raises(CorruptFile), storage.stream(name) as fh:
        fh.read()
    # another data key
    with open(path, "wb") as fh:
        fh.write(raw)
    settings.FANGKONG_DATA_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI="
    with pytest.raises(CorruptFile), storage.stream(name) as fh:
        fh.read()


def test_a_large_upload_streams_through_in_chunks(monkeypatch):
    """A file is encrypted as its chunks arrive: the writer never holds more than one chunk."""
    seen = []
    real = filestore.EncryptingWriter._seal

    def spy(self, chunk, *, final):
        seen.append(len(self._buffer))
        return real(self, chunk, final=final)

    monkeypatch.setattr(filestore.EncryptingWriter, "_seal", spy)

    class Upload(ContentFile):
        def chunks(self, chunk_size=None):
            for _ in range(64):  # 64 × 256 KiB = 16 MiB, as an upload handler delivers it
                yield b"x" * (256 * 1024)

    name = private_storage().save("t/big.bin", Upload(b""))
    assert private_storage().size(name) == 16 * 1024 * 1024
    assert max(seen) <= 256 * 1024 + CHUNK


@pytest.mark.django_db
def test_the_migration_encrypts_plaintext_left_in_media_root(settings, tmp_path):
    """Uploads an earlier version left in var/media (plaintext, 644) move into the store and are gone."""
    from fangkong.imports.models import ImportJob

    settings.MEDIA_ROOT = tmp_path / "media"
    old = settings.MEDIA_ROOT / "imports" / "uploads" / "2022" / "02" / "abc.csv"
    old.parent.mkdir(parents=True)
    old.write_bytes("姓名,证件号码\n王五,15010219850307123X\n".encode())
    job = ImportJob.objects.create(original_name="a.csv", file="imports/uploads/2022/02/abc.csv", mode="strict")
    missing = ImportJob.objects.create(original_name="b.csv", file="imports/uploads/2022/02/gone.csv", mode="strict")
    assert filestore.adopt_media_files(ImportJob, ["file", "error_report"]) == 1
    assert not old.exists()
    job.refresh_from_db()
    stored = Path(private_storage().path(job.file.name))
    assert b"15010219850307123X" not in stored.read_bytes() and stat.S_IMODE(stored.stat().st_mode) == 0o600
    with private_storage().stream(job.file.name) as fh:
        assert "王五" in fh.read().decode()
    missing.refresh_from_db()
    assert missing.file.name == "imports/uploads/2022/02/gone.csv"  # nothing to move: the download answers 404
