"""Sales staff pages, one module per document: orders, deliveries, returns, approvals."""
