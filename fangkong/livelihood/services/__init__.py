"""Every write of 民生保障: the ledger and its 摸排 visits (ledger), work groups and pairs (groups),
requests and deliveries (requests), vouchers (vouchers)."""
