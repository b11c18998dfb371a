"""流调 (contact tracing): recording who was exposed to a case or to a close contact and isolating
them the same day — one at a time (`services.contact_add`) or as a list (`contacts_add_bulk`) — and
the reads of the tracers' pages (`selectors`: the cases to trace, a case's contacts, the cluster
graph, the contacts awaiting isolation). Built on the isolation services (episodes, regimens); the
isolation app's selectors read its figures, its views and API call it."""
