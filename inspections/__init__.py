"""Venue inspections, hazards and rectification notices (a later issue)."""
