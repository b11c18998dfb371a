"""Every write of the 快转 app. Views, the API, commands and tasks call these and only these."""

from .classification import ClassifyOutcome, case_classify, case_withdraw
from .facilities import facility_beds_set, facility_create, facility_update
from .monitoring import MonitoringTestOutcome, care_reopen, monitoring_complete, monitoring_record_test
from .opening import QueueReport, case_open_by_hand, case_open_from_isolation, case_open_from_positive, cases_open_from_queue
from .transfers import transfer_admit, transfer_dispatch, transfer_pick_up, transfer_refuse
from .treatment import Criterion, DischargeCheck, case_discharge, case_test_record, discharge_check
from .triage import AdmissionRefusal, FacilityOption, TriageDecision, TriagePolicy, TriageSuggestion, triage_decide, triage_suggest

__all__ = [
    "AdmissionRefusal",
    "ClassifyOutcome",
    "Criterion",
    "DischargeCheck",
    "FacilityOption",
    "MonitoringTestOutcome",
    "QueueReport",
    "TriageDecision",
    "TriagePolicy",
    "TriageSuggestion",
    "care_reopen",
    "case_classify",
    "case_discharge",
    "case_open_by_hand",
    "case_open_from_isolation",
    "case_open_from_positive",
    "case_test_record",
    "case_withdraw",
    "cases_open_from_queue",
    "discharge_check",
    "facility_beds_set",
    "facility_create",
    "facility_update",
    "monitoring_complete",
    "monitoring_record_test",
    "transfer_admit",
    "transfer_dispatch",
    "transfer_pick_up",
    "transfer_refuse",
    "triage_decide",
    "triage_suggest",
]
