#!/bin/sh
# A base backup of the whole PostgreSQL cluster, verified, into BACKUP_ROOT/base-<UTC time>/.
#
#   ops/base-backup.sh BACKUP_ROOT [KEEP]
#
# Connection from the usual libpq variables (PGHOST, PGPORT, PGUSER; a password in ~/.pgpass); the
# user needs the REPLICATION attribute and a `replication` line in pg_hba.conf. Runs online: writes
# go on. With WAL archiving (ops/wal-archive.sh) the backup plus the archived WAL after it restore to
# any moment after the backup finished (ops/restore-pitr.sh). The WAL needed to make the backup
# itself consistent is streamed into it (-X stream), so the backup restores even without the archive.
#
# KEEP (default 7): newest backups kept; older ones are deleted, and so is the archived WAL that only
# they needed (pg_archivecleanup), when ARCHIVE_DIR is set in the environment.
set -eu
if [ "$#" -lt 1 ]; then
    echo "usage: base-backup.sh BACKUP_ROOT [KEEP]" >&2
    exit 2
fi
root=$1
keep=${2:-7}
# Debian keeps pg_verifybackup and pg_archivecleanup out of PATH: PG_BINDIR, else the newest installed.
bindir=${PG_BINDIR:-$(ls -1d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [ -n "$bindir" ]; then
    PATH="$bindir:$PATH"
fi
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest="$root/base-$stamp"
mkdir -p "$root"
pg_basebackup --pgdata="$dest.partial" --format=plain --wal-method=stream --checkpoint=fast \
    --label="fangkong $stamp" --no-password
pg_verifybackup --quiet "$dest.partial"
mv "$dest.partial" "$dest"
echo "base backup: $dest ($(du -sh "$dest" | cut -f1))"

# Retention: the newest KEEP backups.
ls -1d "$root"/base-*Z 2>/dev/null | sort | head -n "-$keep" | while read -r old; do
    rm -rf "$old"
    echo "removed old backup: $old"
done
if [ -n "${ARCHIVE_DIR:-}" ]; then
    oldest=$(ls -1d "$root"/base-*Z | sort | head -n 1)
    # The first WAL segment the oldest kept backup needs: from its backup_label.
    first=$(sed -n 's/^START WAL LOCATION: .* (file \([0-9A-F]*\))$/\1/p' "$oldest/backup_label")
    if [ -n "$first" ]; then
        pg_archivecleanup "$ARCHIVE_DIR" "$first"
    fi
fi
