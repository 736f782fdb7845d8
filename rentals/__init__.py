"""Landlord self-declaration, tenancies, residence permits (next issues)."""
