"""The dispute and mediation ledger (a later issue)."""
