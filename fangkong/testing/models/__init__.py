"""快检: testing rounds, sampling points, tubes and their members, lab results and what follows.

A round (轮次) covers some places; each covered area has a pooling mode set by the active policy.
Sampling staff open a tube (barcode) at a sampling point and add people to it; the lab receives
the tube and reports one result per tube. Each person's result in a round is the result of the
tube they were sampled in (and, after a pool-positive or invalid tube, of their single re-test).

Rows that belong to a person carry the ids of the person's places (district … household) copied
at the time of sampling, so coverage is a grouped query on one indexed table. On the large tables
(TubeMember) these copies are plain indexed columns without database foreign-key checks: they are
caches of the registry, not the source of truth, and COPY of millions of rows must not pay a
trigger per ancestor.

The three tables a round fills by the million (Tube, TubeMember, TubeResult) keep no database
foreign-key constraints at all (decision 0002): the services read every referenced row (person,
tube, point, laboratory, round) in the same transaction before writing, Django still applies
on_delete (PROTECT/CASCADE) in the ORM, and the deferred FK checks cost more than the COPY itself
(measured: 99,000 member rows, COPY with indexes 1.3 s, FK checks at commit 3.0 s more).
"""

from __future__ import annotations

from .checks import HouseholdCheck, PersonCheck
from .controls import ConfirmedPositive, PersonControl
from .home_sampling import DoorSamplingTask, ResamplingTask
from .laboratories import LAB_GRANT, Laboratory
from .points import SamplingPoint
from .results import ResultUpload, TubeResult, UnmatchedResult
from .rounds import RoundArea, TestingRound
from .tubes import Tube, TubeMember

__all__ = [
    "ConfirmedPositive",
    "DoorSamplingTask",
    "HouseholdCheck",
    "LAB_GRANT",
    "Laboratory",
    "PersonCheck",
    "PersonControl",
    "ResamplingTask",
    "ResultUpload",
    "RoundArea",
    "SamplingPoint",
    "TestingRound",
    "Tube",
    "TubeMember",
    "TubeResult",
    "UnmatchedResult",
]
