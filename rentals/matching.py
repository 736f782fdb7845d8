"""Cross-matching of the registries (百宝箱): explainable mismatches, kept as tasks for the grid.

:func:`mismatches_for_grid` compares the declarations, the population registry, the houses and
the residence permits of one community grid and returns what does not agree, each with its
grid, a description (masked identifiers only) and a link to the record. It is a handful of
set-based queries, however many rows the grid has.

:func:`mismatch_tasks_sync` turns that list into :class:`~rentals.models.MismatchTask` rows, the
grid worker's to-do list, and :func:`mismatch_task_close` closes one with the worker's note. A
task is keyed by ``(kind, subject)``; its ``fingerprint`` hashes the data that made it a
mismatch, so a task the worker closed comes back only when that data changes.

"Current" throughout means: not yet ended on or before today (``end``/``move_out`` empty or
in the future). Descriptions are rendered in the site's language (``LANGUAGE_CODE``, Chinese)
when the task is written, since they are stored, not re-rendered per reader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, Max, OuterRef, Q, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from grid.models import CommunityGrid
from rentals.models import (
    DeclarationKind,
    DeclarationStatus,
    DeclaredTenant,
    MismatchKind,
    MismatchTask,
    PermitStatus,
    ResidencePermit,
)
from residents.models import ChangeLog, House, HouseUse, Person, Relation, Residence

# Who works the 百宝箱. Volunteers do not handle registry data; landlords and mediators see no grid.
MATCHING_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.GRID_WORKER, Role.CHIEF, Role.ADMIN})

WINDOW_DAYS = 30  # "no declaration for 30 days", "expiring within 30 days"
NOTE_MAX = 300

# Shown above each group of open tasks: why the task exists and what usually settles it.
EXPLANATIONS = {
    MismatchKind.UNREGISTERED_TENANT: gettext_lazy(
        "A landlord declared this tenant (declaration submitted or approved, not moved out), but no "
        "person with that ID is in the population registry. Usually the declaration still waits for "
        "review, or the person record was removed. Check the declaration and register the person."
    ),
    MismatchKind.ENDED_TENANCY: gettext_lazy(
        "This person lived here only as a tenant and every tenancy has ended, yet the registry still "
        "counts them in this grid. Find out where they went and record the move."
    ),
    MismatchKind.UNDECLARED_RENTAL: gettext_lazy(
        "The house is registered as rented out (出租), but no declaration was submitted in the last "
        "30 days and no tenant is registered there. Visit it: either the landlord must declare the "
        "tenants, or the house's use has changed."
    ),
    MismatchKind.PERMIT_EXPIRING: gettext_lazy(
        "This residence permit expires within 30 days. Remind the holder to renew it (签注) or to "
        "report that they are leaving."
    ),
    MismatchKind.DOUBLE_DECLARATION: gettext_lazy(
        "The same ID number is declared as a current tenant at two or more addresses. Usually one "
        "landlord did not declare the move-out; find out where the person really lives."
    ),
}


@dataclass(frozen=True)
class Mismatch:
    """One disagreement between registries, as :func:`mismatch_tasks_sync` stores it."""

    kind: str
    subject: str
    grid_id: int
    fingerprint: str
    description: str
    url: str


@dataclass(frozen=True)
class SyncResult:
    created: int = 0
    updated: int = 0
    reopened: int = 0
    closed: int = 0


def _fingerprint(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _house_url(pk) -> str:
    return f"/residents/houses/{pk}/"


def _person_url(pk) -> str:
    return f"/residents/persons/{pk}/"


def _declaration_url(pk) -> str:
    return f"/rentals/declarations/{pk}/"


def _permit_url(pk) -> str:
    return f"/permits/{pk}/"


def _address(house: House) -> str:
    return f"{house.building.address} {house.unit}"


def _who(name: str, masked: str) -> str:
    return f"{name}（{masked}）" if masked else name


def _current_declared_tenants(today: dt.date):
    """Tenants on move-in declarations that are submitted or approved and not moved out by today."""
    return DeclaredTenant.objects.filter(
        declaration__kind=DeclarationKind.MOVE_IN,
        declaration__status__in=[DeclarationStatus.SUBMITTED, DeclarationStatus.APPROVED],
    ).filter(Q(move_out__isnull=True) | Q(move_out__gt=today))


def _current_residence(today: dt.date):
    return Q(end__isnull=True) | Q(end__gt=today)


# --- the five checks: one or two queries each ---------------------------------------------------


def _unregistered_tenants(grid, today) -> list[Mismatch]:
    """UNREGISTERED_TENANT: a current declared tenant whose ID hash matches no ``Person``.

    An approved declaration creates the persons, so this is mostly a declaration still waiting
    for review, or one approved whose person was removed since. Tenants declared without an ID
    number cannot be matched and are left out. Fingerprint: the ID hash and the declaration's
    status, so approving (or re-submitting) the declaration brings a closed task back.
    """
    rows = (
        _current_declared_tenants(today)
        .filter(declaration__grid=grid)
        .exclude(id_number_hash="")
        .exclude(Exists(Person.objects.filter(id_number_hash=OuterRef("id_number_hash"))))
        .select_related("declaration__house__building")
        .order_by("id")
    )
    out = []
    for t in rows:
        d = t.declaration
        out.append(
            Mismatch(
                kind=MismatchKind.UNREGISTERED_TENANT,
                subject=f"tenant:{t.pk}",
                grid_id=d.grid_id,
                fingerprint=_fingerprint(t.id_number_hash, d.status),
                description=_(
                    "%(who)s is declared as a tenant at %(address)s (declaration %(status)s on %(date)s), "
                    "but is not in the population registry."
                )
                % {
                    "who": _who(t.name, t.id_number_masked),
                    "address": _address(d.house),
                    "status": d.get_status_display(),
                    "date": timezone.localtime(d.submitted_at).date().isoformat(),
                },
                url=_declaration_url(d.pk),
            )
        )
    return out


def _ended_tenancies(grid, today) -> list[Mismatch]:
    """ENDED_TENANCY: a person counted in this grid whose residences are all ended tenancies.

    Persons with any current residence, or any residence other than as a tenant (householder,
    family), are left out: only a tenant who moved away and was never moved in elsewhere. A
    tenancy ending later than today has not ended. Fingerprint: the latest end date and the
    number of residences, so a new (ended) tenancy brings a closed task back.
    """
    not_ended_tenancy = Q(residences__end__isnull=True) | Q(residences__end__gt=today)
    # A positive list, not ~Q: a negated multi-valued lookup would become a NOT EXISTS subquery.
    not_ended_tenancy |= Q(residences__relation__in=[r for r in Relation.values if r != Relation.TENANT])
    persons = list(
        Person.objects.filter(grid=grid)
        .annotate(
            n_residences=Count("residences"),
            n_other=Count("residences", filter=not_ended_tenancy),
            last_end=Max("residences__end"),
        )
        .filter(n_residences__gt=0, n_other=0)
        .order_by("id")
    )
    if not persons:
        return []
    last_house = {}
    for r in (
        Residence.objects.filter(person__in=[p.pk for p in persons])
        .select_related("house__building")
        .order_by("person_id", "-end", "-id")
    ):
        last_house.setdefault(r.person_id, r.house)
    return [
        Mismatch(
            kind=MismatchKind.ENDED_TENANCY,
            subject=f"person:{p.pk}",
            grid_id=p.grid_id,
            fingerprint=_fingerprint(p.last_end, p.n_residences),
            description=_("%(who)s is still registered in this grid, but the tenancy at %(address)s ended on %(date)s.")
            % {
                "who": _who(p.name, p.id_number_masked),
                "address": _address(last_house[p.pk]),
                "date": p.last_end.isoformat(),
            },
            url=_person_url(p.pk),
        )
        for p in persons
    ]


def _undeclared_rentals(grid, today, now) -> list[Mismatch]:
    """UNDECLARED_RENTAL: a house used as 出租 with no declaration for 30 days and no tenant.

    "No declaration for 30 days": no declaration of any kind or status submitted in the last 30
    days. A house with a current tenant residence is declared well enough and is left out.
    Fingerprint: the latest declaration (id and date) and the current tenant count, so a new
    declaration or tenant brings a closed task back.
    """
    cutoff = now - dt.timedelta(days=WINDOW_DAYS)
    tenants = Residence.objects.filter(house=OuterRef("pk"), relation=Relation.TENANT).filter(_current_residence(today))
    houses = (
        House.objects.filter(grid=grid, use=HouseUse.RENTAL)
        .exclude(Exists(tenants))
        .annotate(last_at=Max("declarations__submitted_at"), last_id=Max("declarations__id"))
        .filter(Q(last_at__isnull=True) | Q(last_at__lt=cutoff))
        .select_related("building")
        .order_by("id")
    )
    out = []
    for h in houses:
        last = timezone.localtime(h.last_at).date().isoformat() if h.last_at else ""
        if last:
            text = _(
                "%(address)s is registered as rented out, but has had no declaration since %(date)s "
                "and no tenant is registered there."
            ) % {"address": _address(h), "date": last}
        else:
            text = _(
                "%(address)s is registered as rented out, but has never been declared and no tenant "
                "is registered there."
            ) % {"address": _address(h)}
        out.append(
            Mismatch(
                kind=MismatchKind.UNDECLARED_RENTAL,
                subject=f"house:{h.pk}",
                grid_id=h.grid_id,
                fingerprint=_fingerprint(h.last_id, last, 0),
                description=text,
                url=_house_url(h.pk),
            )
        )
    return out


def _expiring_permits(grid, today) -> list[Mismatch]:
    """PERMIT_EXPIRING: an issued permit whose ``valid_until`` is today or in the next 30 days.

    Expired permits are left out (they are no longer a reminder but a fact). Fingerprint: the
    expiry date, so a renewal that is again about to expire brings a closed task back.
    """
    permits = (
        ResidencePermit.objects.filter(
            grid=grid,
            status=PermitStatus.APPROVED,
            valid_until__gte=today,
            valid_until__lte=today + dt.timedelta(days=WINDOW_DAYS),
        )
        .select_related("house__building")
        .order_by("valid_until", "id")
    )
    return [
        Mismatch(
            kind=MismatchKind.PERMIT_EXPIRING,
            subject=f"permit:{p.pk}",
            grid_id=p.grid_id,
            fingerprint=_fingerprint(p.valid_until),
            description=_("The residence permit %(number)s of %(who)s (%(address)s) expires on %(date)s.")
            % {
                "number": p.number or "—",
                "who": _who(p.name, p.id_number_masked),
                "address": _address(p.house),
                "date": p.valid_until.isoformat(),
            },
            url=_permit_url(p.pk),
        )
        for p in permits
    ]


def _double_declarations(grid, today) -> list[Mismatch]:
    """DOUBLE_DECLARATION: one ID number among the current declared tenants of two or more houses.

    The task belongs to the grid of the most recent of those declarations (the one that
    contradicts the registry as it stood), so exactly one grid worker gets it even when the
    houses lie in different grids; the description names every address. Subject: the first 16
    hex digits of the keyed ID hash (not reversible without the key). Fingerprint: the sorted
    house ids.
    """
    current = _current_declared_tenants(today).exclude(id_number_hash="")
    hashes_here = current.filter(declaration__grid=grid).values("id_number_hash")
    doubles = (
        current.filter(id_number_hash__in=hashes_here)
        .values("id_number_hash")
        .annotate(n=Count("declaration__house", distinct=True))
        .filter(n__gte=2)
        .values("id_number_hash")
    )
    rows = (
        current.filter(id_number_hash__in=doubles)
        .select_related("declaration__house__building")
        .order_by("id_number_hash", "-declaration__submitted_at", "-id")
    )
    groups: dict[str, list[DeclaredTenant]] = {}
    for t in rows:
        groups.setdefault(t.id_number_hash, []).append(t)
    out = []
    for id_hash, tenants in groups.items():
        newest = tenants[0]
        if newest.declaration.grid_id != grid.pk:
            continue  # the other grid's task
        houses = {}
        for t in tenants:
            houses.setdefault(t.declaration.house_id, t.declaration.house)
        out.append(
            Mismatch(
                kind=MismatchKind.DOUBLE_DECLARATION,
                subject=f"id:{id_hash[:16]}",
                grid_id=newest.declaration.grid_id,
                fingerprint=_fingerprint(*sorted(houses)),
                description=_("%(who)s is declared as a current tenant at %(n)d addresses: %(addresses)s.")
                % {
                    "who": _who(newest.name, newest.id_number_masked),
                    "n": len(houses),
                    "addresses": "；".join(_address(h) for _pk, h in sorted(houses.items())),
                },
                url=_declaration_url(newest.declaration_id),
            )
        )
    return out


def mismatches_for_grid(grid) -> list[Mismatch]:
    """The current mismatches of one community grid, ordered by kind and subject.

    A system read (no user): callers that show the result go through ``MismatchTask`` and
    ``visible_to``. Six queries, whatever the number of rows.
    """
    today, now = timezone.localdate(), timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        found = [
            *_unregistered_tenants(grid, today),
            *_ended_tenancies(grid, today),
            *_undeclared_rentals(grid, today, now),
            *_expiring_permits(grid, today),
            *_double_declarations(grid, today),
        ]
    order = {k: i for i, k in enumerate(MismatchKind.values)}
    return sorted(found, key=lambda m: (order[m.kind], m.subject))


# --- reads for the pages (always through visible_to) -------------------------------------------


def grids_for_user(user) -> list[CommunityGrid]:
    return list(CommunityGrid.objects.visible_to(user).select_related("police_grid").order_by("code"))


def get_grid_for_user(user, pk) -> CommunityGrid:
    """The community grid ``pk`` if ``user`` sees it, else 404."""
    return get_object_or_404(CommunityGrid.objects.visible_to(user).select_related("police_grid"), pk=pk)


def get_task_for_user(user, pk) -> MismatchTask:
    return get_object_or_404(MismatchTask.objects.visible_to(user), pk=pk)


def open_task_counts(user, *, grid=None) -> dict[int, dict[str, int]]:
    """``{grid_id: {kind: open task count}}`` over the user's grids, in one aggregate query."""
    qs = MismatchTask.objects.visible_to(user).filter(closed_at__isnull=True)
    if grid is not None:
        qs = qs.filter(grid=grid)
    counts: dict[int, dict[str, int]] = {}
    for grid_id, kind, n in qs.values_list("grid_id", "kind").annotate(n=Count("id")).order_by():
        counts.setdefault(grid_id, {})[kind] = n
    return counts


def open_tasks(user, *, grid, kind: str = ""):
    """The grid's open tasks, grouped by kind (``ordering``), optionally of one kind."""
    qs = MismatchTask.objects.visible_to(user).filter(grid=grid, closed_at__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    order = Case(*(When(kind=k, then=Value(i)) for i, k in enumerate(MismatchKind.values)))
    return qs.order_by(order, "created_at", "id")


def recently_closed_tasks(user, *, grid, limit: int = 20) -> list[MismatchTask]:
    qs = MismatchTask.objects.visible_to(user).filter(grid=grid, closed_at__isnull=False)
    return list(qs.select_related("closed_by").order_by("-closed_at", "-id")[:limit])


# --- writes ---------------------------------------------------------------------------------------


def _last_sync_key(grid_id: int) -> str:
    return f"matching:last-sync:{grid_id}"


def mismatch_last_sync(grid_id: int):
    """When the grid was last compared (an aware datetime), or None. Kept in the cache, not the
    database: it is a hint for the page, and losing it on a cache flush costs nothing."""
    return cache.get(_last_sync_key(grid_id))


def _history(task: MismatchTask, *, user, changes: dict, reason: str) -> ChangeLog:
    # The task's transitions (closed by whom and why, reopened, closed as fixed) go into the
    # generic change history, so clearing closed_by/note on reopening loses nothing.
    return ChangeLog(
        content_type=ContentType.objects.get_for_model(MismatchTask),
        object_id=task.pk,
        user=user,
        action="update",
        changes=changes,
        reason=reason[:200],
    )


@transaction.atomic
def mismatch_tasks_sync(*, grid) -> SyncResult:
    """Bring the grid's tasks in line with :func:`mismatches_for_grid`. Atomic and idempotent.

    - a new mismatch → an open task;
    - an open task still mismatched → description, link, fingerprint (and grid) refreshed;
    - a task the worker closed → reopened (note and closer cleared) only if its fingerprint
      changed; with the same fingerprint it stays closed;
    - a task closed automatically (no closer) whose mismatch is back → reopened;
    - an open task of this grid whose mismatch is gone → closed with the note "data agree" and
      no closer.

    Tasks are locked (``select_for_update``) so the nightly run and the page's button cannot
    interleave; every transition is written to the change history. Cost: the selector's
    queries, one read of the existing tasks and at most four bulk writes.
    """
    found = {(m.kind, m.subject): m for m in mismatches_for_grid(grid)}
    now = timezone.now()
    subjects = sorted({m.subject for m in found.values()})
    existing = {
        (t.kind, t.subject): t
        for t in MismatchTask.objects.select_for_update().filter(
            Q(grid=grid, closed_at__isnull=True) | Q(subject__in=subjects)
        )
    }
    with translation.override(settings.LANGUAGE_CODE):
        auto_note = _("Closed automatically: the data now agree.")
        reopen_reason = _("Reopened: the data changed.")
    new, changed, history = [], [], []
    reopened = closed = 0
    for key, m in found.items():
        task = existing.get(key)
        if task is None:
            new.append(
                MismatchTask(
                    grid_id=m.grid_id,
                    kind=m.kind,
                    subject=m.subject,
                    fingerprint=m.fingerprint,
                    description=m.description[:300],
                    url=m.url,
                )
            )
            continue
        if task.closed_at is not None:
            if task.closed_by_id is not None and task.fingerprint == m.fingerprint:
                continue  # closed by the worker, nothing has changed since
            history.append(
                _history(
                    task,
                    user=None,
                    changes={"closed_at": [task.closed_at.isoformat(), None], "note": [task.note, ""]},
                    reason=reopen_reason,
                )
            )
            task.closed_at, task.closed_by, task.note = None, None, ""
            reopened += 1
        elif (task.fingerprint, task.description, task.url, task.grid_id) == (
            m.fingerprint,
            m.description[:300],
            m.url,
            m.grid_id,
        ):
            continue
        task.fingerprint, task.description, task.url, task.grid_id = (
            m.fingerprint,
            m.description[:300],
            m.url,
            m.grid_id,
        )
        changed.append(task)
    for key, task in existing.items():
        if key in found or task.closed_at is not None or task.grid_id != grid.pk:
            continue
        task.closed_at, task.closed_by, task.note = now, None, auto_note
        history.append(_history(task, user=None, changes={"closed_at": [None, now.isoformat()]}, reason=auto_note))
        changed.append(task)
        closed += 1
    if new:
        # A concurrent first run may have created the same (kind, subject): theirs stands.
        MismatchTask.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        MismatchTask.objects.bulk_update(
            changed, ["fingerprint", "description", "url", "grid", "closed_at", "closed_by", "note"]
        )
    if history:
        ChangeLog.objects.bulk_create(history)
    transaction.on_commit(lambda: cache.set(_last_sync_key(grid.pk), now, None))
    return SyncResult(created=len(new), updated=len(changed) - closed - reopened, reopened=reopened, closed=closed)


@transaction.atomic
def mismatch_task_close(*, task: MismatchTask, user, note: str) -> MismatchTask:
    """The worker closes a task with a note on what they found or did (required).

    Raises ``ValidationError({"note": …})`` without a note. Closing a task that is already
    closed (a double tap, a colleague was quicker) changes nothing.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write what you found or did before closing the task.")})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("The note is too long: at most %(n)d characters.") % {"n": NOTE_MAX}})
    task = MismatchTask.objects.select_for_update().get(pk=task.pk)
    if task.closed_at is not None:
        return task
    task.closed_at, task.closed_by, task.note = timezone.now(), user, note
    task.save(update_fields=["closed_at", "closed_by", "note"])
    _history(
        task, user=user, changes={"closed_at": [None, task.closed_at.isoformat()], "note": ["", note]}, reason=note
    ).save()
    return task
