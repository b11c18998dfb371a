#!/bin/sh
# PostgreSQL's archive_command: copy one finished WAL segment into the archive directory, durably.
#
#   archive_mode = on
#   archive_command = '/srv/fangkong/ops/wal-archive.sh %p %f /srv/pg-archive'
#
# Copies to a temporary name, flushes it to disk, then renames, so the archive never holds a
# half-written segment under its real name. A segment already archived with the same bytes (a retry
# after a crash between the copy and PostgreSQL noting it) is success; with different bytes it is a
# failure, and PostgreSQL keeps the segment and retries: never overwrite an archived segment.
# Exit status non-zero = PostgreSQL keeps the segment in pg_wal and tries again (watch
# pg_stat_archiver.failed_count: a full archive disk makes pg_wal grow until the server stops).
set -eu
if [ "$#" -ne 3 ]; then
    echo "usage: wal-archive.sh %p %f ARCHIVE_DIR" >&2
    exit 2
fi
src=$1
name=$2
dir=$3
dest="$dir/$name"
if [ -f "$dest" ]; then
    if cmp -s "$src" "$dest"; then
        exit 0
    fi
    echo "wal-archive: $dest already exists with different content; refusing to overwrite" >&2
    exit 1
fi
tmp="$dir/.$name.partial.$$"
trap 'rm -f "$tmp"' EXIT
cp "$src" "$tmp"
sync "$tmp"
mv "$tmp" "$dest"
trap - EXIT
sync "$dir"
