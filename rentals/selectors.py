"""Reads for declarations: the landlord's own, the officer's scoped queue with registry matches."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from accounts.models import Role
from lib import paging
from rentals.models import DeclarationStatus, DeclaredTenant, RentalDeclaration
from residents.models import House, Person


def declarations_for_user(user, *, status: str = "", late: bool = False):
    """Landlords see their own declarations; grid staff the ones in their scope."""
    if user.is_authenticated and user.role == Role.LANDLORD:
        qs = RentalDeclaration.objects.of_landlord(user)
    else:
        qs = RentalDeclaration.objects.visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if late:
        qs = qs.filter(is_late=True)
    return (
        qs.select_related("house__building", "landlord")
        .annotate(tenant_count=paging.count_of(DeclaredTenant, "declaration"))  # the page's rows, no GROUP BY
        .order_by("-submitted_at", "-id")
    )


def get_declaration_for_user(user, pk) -> RentalDeclaration:
    qs = declarations_for_user(user).prefetch_related(
        Prefetch("tenants", queryset=DeclaredTenant.objects.select_related("person")), "events__user"
    )
    return get_object_or_404(qs, pk=pk)


def houses_of_landlord(user):
    return House.objects.filter(declarations__landlord=user).select_related("building").distinct()


@dataclass
class TenantMatch:
    tenant: DeclaredTenant
    person: Person | None
    differences: list[str] = field(default_factory=list)


@dataclass
class QueueItem:
    declaration: RentalDeclaration
    matches: list[TenantMatch]


def review_queue(user, *, limit: int = 50) -> list[QueueItem]:
    """Submitted declarations in scope, oldest first, each tenant matched against the registry.

    Three queries whatever the length: declarations, their tenants, the matching persons.
    """
    declarations = list(
        RentalDeclaration.objects.visible_to(user)
        .pending()
        .select_related("house__building", "landlord")
        .prefetch_related("tenants")
        .order_by("submitted_at")[:limit]
    )
    hashes = [t.id_number_hash for d in declarations for t in d.tenants.all()]
    persons = {p.id_number_hash: p for p in Person.objects.filter(id_number_hash__in=hashes)}
    items = []
    for d in declarations:
        matches = []
        for t in d.tenants.all():
            p = persons.get(t.id_number_hash)
            diffs = []
            if p is not None:
                if p.name != t.name:
                    diffs.append("name")
                if t.phone_hash and p.phone_hash and t.phone_hash != p.phone_hash:
                    diffs.append("phone")
            matches.append(TenantMatch(t, p, diffs))
        items.append(QueueItem(d, matches))
    return items


def pending_count(user) -> int:
    return RentalDeclaration.objects.visible_to(user).filter(status=DeclarationStatus.SUBMITTED).count()
