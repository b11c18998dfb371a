#!/bin/sh
# Restore a base backup into an empty data directory and prepare recovery to a point in time.
#
#   ops/restore-pitr.sh BACKUP_DIR ARCHIVE_DIR DATA_DIR [TARGET_TIME]
#
# BACKUP_DIR is one base-<time> directory from ops/base-backup.sh; ARCHIVE_DIR the WAL archive
# (ops/wal-archive.sh); DATA_DIR the stopped cluster's data directory, empty (or absent); TARGET_TIME
# a timestamp with its zone ('2026-12-07 03:15:00+08'): recovery stops before the first transaction
# that committed after it. Without TARGET_TIME, recovery replays every archived segment (the latest
# state the archive holds). Run as the cluster's owner (postgres); then start the cluster: it replays
# the archive, stops at the target and is promoted to a normal, writable server (new timeline).
set -eu
if [ "$#" -lt 3 ]; then
    echo "usage: restore-pitr.sh BACKUP_DIR ARCHIVE_DIR DATA_DIR [TARGET_TIME]" >&2
    exit 2
fi
backup=$1
archive=$2
data=$3
target=${4:-}
if [ ! -f "$backup/backup_label" ]; then
    echo "restore-pitr: $backup is not a base backup (no backup_label)" >&2
    exit 1
fi
mkdir -p "$data"
if [ -n "$(ls -A "$data")" ]; then
    echo "restore-pitr: $data is not empty; restore only into an empty data directory" >&2
    exit 1
fi
chmod 700 "$data"
cp -a "$backup/." "$data/"
rm -f "$data/backup_manifest" "$data/postmaster.pid"
{
    echo "# ops/restore-pitr.sh $(date -u +%FT%TZ)"
    echo "restore_command = 'cp \"$archive/%f\" \"%p\"'"
    if [ -n "$target" ]; then
        echo "recovery_target_time = '$target'"
        echo "recovery_target_inclusive = on"
    fi
    echo "recovery_target_action = 'promote'"
    # The restored server must not archive into the source's archive (a new timeline would mix in).
    echo "archive_mode = off"
} >> "$data/postgresql.auto.conf"
touch "$data/recovery.signal"
echo "restored $backup into $data; start the cluster to recover${target:+ to $target}"
