"""Already sampled: one routine sample per person per round. The unique index on (person, round)
is the check when the members are written; the refusal then names, for each such row, the earlier
tube, sampling point and time (only that they were, for people the sampler may not see)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError
from fangkong.core.rows import RowError, RowsRefused
from fangkong.core.scoping import Jurisdiction
from fangkong.core.sql import fetch_in, read_datetime, table
from fangkong.core.timefmt import local_minutes

from ...models import SamplingPoint, TestingRound, Tube, TubeMember
from .people import BoundPerson, visible
from .rows import Binding, field_of


def sampled_earlier(
    testing_round: TestingRound, rows: list[Binding], people: dict[int, BoundPerson], first_row_of: dict[int, int], j: Jurisdiction
) -> list[RowError]:
    """Rows whose person was already sampled in the round: who, in which tube, where and when — for
    the people the sampler may see; for anyone else only that they were."""
    member, tube, point = table(TubeMember), table(Tube), table(SamplingPoint)
    earlier = fetch_in(
        f"SELECT m.person_id, t.barcode, sp.name, m.sampled_at FROM {member} m JOIN {tube} t ON t.id = m.tube_id "
        f"JOIN {point} sp ON sp.id = t.sampling_point_id WHERE m.round_id = %s AND m.is_resample = %s AND m.person_id {{IN}}",
        sorted(first_row_of),
        params_before=[testing_round.pk, False],
    )
    by_row = {b.row: b for b in rows}
    errors = []
    for person_id, barcode, point_name, sampled_at in earlier:
        p_row = first_row_of[person_id]
        p = people[p_row]
        when = read_datetime(sampled_at)
        if visible(j, p):
            message = _("%(name)s（%(id)s）本轮已于 %(when)s 在“%(point)s”采样，试管 %(barcode)s，不能重复采样") % {
                "name": p.name,
                "id": p.id_masked,
                "when": local_minutes(when, blank=""),
                "point": point_name,
                "barcode": barcode,
            }
        else:
            message = _("该证件号码对应人员本轮已采样，不能重复采样")
        errors.append(RowError(p_row, field_of(by_row[p_row]), message))
    return sorted(errors, key=lambda e: e.row)


@contextmanager
def refused_if_sampled(
    testing_round: TestingRound, rows: list[Binding], people: dict[int, BoundPerson], first_row_of: dict[int, int], j: Jurisdiction
) -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
    except (IntegrityError, connection.Database.IntegrityError) as exc:
        errors = sampled_earlier(testing_round, rows, people, first_row_of, j)
        if errors:
            raise RowsRefused(errors, rule="testing.binding") from exc
        # Nobody was sampled before this request began: another request wrote them meanwhile.
        raise DomainError(_("其中有人员刚被另一采样登记写入本轮（同一人不能重复采样），请刷新后重试"), rule="testing.binding_race") from exc
