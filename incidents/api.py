"""API registrations (filled in by this app's work)."""


def register(router) -> None:
    """Add this app's viewsets to the API router (config/api_urls.py calls it)."""
