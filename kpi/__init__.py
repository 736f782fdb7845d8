"""Station-chief KPI pages and reports; for now the per-role home page and the demo seed."""
