"""The audit log has no write forms: events are written only by services through audit_record().
Filtering lives in fangkong.audit.filters.AuditEventFilter."""
