"""Shared rendering with no models: PDF building blocks, CJK fonts, QR codes, Excel export."""
