"""Demo declarations in every state (some late, some returned) and the landlords behind them."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Role, User
from lib import crypto, gb11643
from rentals.models import (
    DeclarationEvent,
    DeclarationKind,
    DeclarationStatus,
    DeclaredTenant,
    LandlordKind,
    LandlordProfile,
    RentalDeclaration,
    RentalType,
)
from residents.models import House, HouseholdStatus, HouseUse, Residence
from residents.seed import IdMaker

RETURN_REASONS = ["租客身份证号有误，请核对后重新提交", "缺少入住日期", "租客姓名与证件不一致"]


def _profile(user, phone, kind=LandlordKind.LANDLORD):
    LandlordProfile.objects.get_or_create(
        user=user,
        defaults={
            "kind": kind, "phone_enc": crypto.encrypt(phone), "phone_hash": LandlordProfile.phone_hash_for(phone),
            "phone_masked": gb11643.mask_phone(phone), "phone_verified_at": timezone.now(),
        },
    )  # fmt: skip


def city_profiles(user_ids) -> list:
    """Verified landlord profiles for the city's landlords (phones 137xxxxxxxx, one each)."""
    verified = timezone.now()
    return [
        LandlordProfile(user_id=u, phone_enc=crypto.encrypt(f"137{n:08d}"), phone_hash=LandlordProfile.phone_hash_for(f"137{n:08d}"),
                        phone_masked=gb11643.mask_phone(f"137{n:08d}"), phone_verified_at=verified)
        for n, u in enumerate(user_ids)
    ]  # fmt: skip


def seed_demo(*, password: str, rng: random.Random, fake, out=print) -> dict:
    landlords = [User.objects.get(username="landlord1"), User.objects.get(username="landlord2")]
    _profile(landlords[0], "13895188001")
    _profile(landlords[1], "13895188002", LandlordKind.AGENT)
    if RentalDeclaration.objects.exists():
        out("  declarations already seeded")
        return {"created": False}
    pw = make_password(password)
    for n in range(3, 13):
        u, _ = User.objects.get_or_create(
            username=f"landlord{n}", defaults={"role": Role.LANDLORD, "full_name": fake.name(), "password": pw}
        )
        _profile(u, f"1389518{8000 + n:04d}")
        landlords.append(u)
    rentals = list(
        House.objects.filter(use__in=[HouseUse.RENTAL, HouseUse.STUDIO]).select_related("grid").order_by("id")
    )
    current = {}
    for r in Residence.objects.filter(house__in=rentals, end__isnull=True).select_related("person"):
        current.setdefault(r.house_id, []).append(r)
    ids = IdMaker(random.Random(rng.random()))
    now = timezone.now()
    made = 0
    for n, h in enumerate(rentals[:200]):
        # landlord1 declares the first grid's rentals, so the demo login has a full history.
        landlord = landlords[0] if h.grid_id == rentals[0].grid_id else landlords[1 + n % (len(landlords) - 1)]
        roll = rng.random()
        status = (
            DeclarationStatus.APPROVED
            if roll < 0.65
            else DeclarationStatus.SUBMITTED
            if roll < 0.88
            else DeclarationStatus.RETURNED
        )
        submitted = now - dt.timedelta(days=rng.randint(0, 300), hours=rng.randint(0, 23))
        late = rng.random() < 0.15
        delay = rng.randint(4, 20) if late else rng.randint(0, 3)
        event_date = timezone.localdate(submitted) - dt.timedelta(days=delay)
        d = RentalDeclaration.objects.create(
            house=h, landlord=landlord, kind=DeclarationKind.MOVE_IN, rental_type=rng.choice([RentalType.LONG] * 4 + [RentalType.SHORT]),
            status=status, submitted_at=submitted, followup_done_at=submitted,
            event_date=event_date, deadline=event_date + dt.timedelta(days=3),
            is_late=delay > 3, grid_id=h.grid_id,
            return_reason=rng.choice(RETURN_REASONS) if status == DeclarationStatus.RETURNED else "",
            reviewed_by=h.grid.police_grid.officer if status != DeclarationStatus.SUBMITTED else None,
            reviewed_at=submitted + dt.timedelta(days=1) if status != DeclarationStatus.SUBMITTED else None,
        )  # fmt: skip
        DeclarationEvent.objects.create(declaration=d, user=landlord, to_status=DeclarationStatus.SUBMITTED)
        if status != DeclarationStatus.SUBMITTED:
            DeclarationEvent.objects.create(
                declaration=d,
                user=d.reviewed_by,
                from_status=DeclarationStatus.SUBMITTED,
                to_status=status,
                reason=d.return_reason,
            )
        if status == DeclarationStatus.APPROVED and current.get(h.pk):
            for r in current[h.pk]:
                t = DeclaredTenant(declaration=d, name=r.person.name, move_in=r.start, person=r.person, residence=r)
                t.id_number_enc, t.id_number_hash, t.id_number_masked = (
                    r.person.id_number_enc,
                    r.person.id_number_hash,
                    r.person.id_number_masked,
                )
                t.phone_enc, t.phone_hash, t.phone_masked = (
                    r.person.phone_enc,
                    r.person.phone_hash,
                    r.person.phone_masked,
                )
                t.save()
        else:  # new tenants, not yet in the registry
            for _ in range(rng.randint(1, 2)):
                sex = rng.choice("MF")
                birth = dt.date(1980, 1, 1) + dt.timedelta(days=rng.randint(0, 9000))
                number = ids.make(sex=sex, birth=birth)
                t = DeclaredTenant(
                    declaration=d, name=fake.name_male() if sex == "M" else fake.name_female(), move_in=event_date
                )
                t.set_id_number(number)
                t.set_phone(f"15{rng.randint(0, 999999999):09d}")
                t.save()
        made += 1
    out(f"  rentals: {len(landlords)} landlords, {made} declarations")
    permits = seed_permits(rng=rng)
    out(f"  permits: {permits} residence permit applications")
    from grid.models import CommunityGrid
    from rentals.matching import mismatch_tasks_sync

    for grid in CommunityGrid.objects.filter(code__startswith="JF-"):
        mismatch_tasks_sync(grid=grid)  # the grid workers find their cross-matching tasks waiting
    return {"created": True, "floating": HouseholdStatus.FLOATING}


def seed_permits(*, rng: random.Random, count: int = 40) -> int:
    """Permit applications from tenants, through the permit services: issued (some close to
    expiry), waiting for review and returned. Issued ones get their PDF as usual."""
    from rentals import permits as permit_services
    from rentals.models import PermitBasis, ResidencePermit

    tenants = list(
        Residence.objects.filter(relation="tenant", end__isnull=True)
        .select_related("person", "house__grid__police_grid__officer")
        .order_by("id")[:count]
    )
    for n, r in enumerate(tenants):
        p = r.person
        permit = permit_services.permit_apply(
            name=p.name, id_number=p.id_number, phone=p.phone, house=r.house,
            basis=rng.choice(PermitBasis.values), basis_detail=rng.choice(["宁夏某某科技有限公司", "阅海万家超市", "宁夏大学", "租赁合同"]),
        )  # fmt: skip
        ResidencePermit.objects.filter(pk=permit.pk).update(
            submitted_at=timezone.now() - dt.timedelta(days=rng.randint(1, 60))
        )
        officer = r.house.grid.police_grid.officer
        if n % 5 in (0, 1, 2):
            permit = permit_services.permit_approve(permit=permit, user=officer)
            if n % 5 == 2:  # issued a year ago: expiring within the month
                start = timezone.localdate() - dt.timedelta(days=345)
                ResidencePermit.objects.filter(pk=permit.pk).update(
                    valid_from=start, valid_until=permit_services.add_years(start) - dt.timedelta(days=1)
                )
        elif n % 5 == 3:
            permit_services.permit_return(permit=permit, user=officer, reason="请补充劳动合同或租赁合同照片")
    return len(tenants)


def seed_city(*, password: str, rng: random.Random, out=print, count: int = 500_000, chunk: int = 50_000) -> dict:
    """500,000 move-in declarations, one tenant each, by 5,000 landlords; 85 % approved.

    The tenants are the city's first floating residents, read back in chunks with their stored
    ciphertexts and hashes (no identifier is encrypted twice, no table is held in memory).
    """
    from lib import bulk

    if RentalDeclaration.objects.filter(grid__code__startswith="CITY-").exists():
        out("  city declarations already seeded")
        return {"created": False}
    pw = make_password(password)
    User.objects.bulk_create(
        [
            User(username=f"city-landlord-{n:04d}", role=Role.LANDLORD, full_name=f"房东{n}", password=pw)
            for n in range(5000)
        ],
        batch_size=2000,
    )
    landlords = list(
        User.objects.filter(username__startswith="city-landlord-").order_by("id").values_list("id", flat=True)
    )
    LandlordProfile.objects.bulk_create(city_profiles(landlords), batch_size=2000)
    tenants = (
        Residence.objects.filter(
            end=None, grid__code__startswith="CITY-", person__household_status=HouseholdStatus.FLOATING
        )
        .order_by("person_id")
        .values_list("person_id", "person__name", "person__id_number_enc", "person__id_number_hash",
                     "person__id_number_masked", "person__phone_enc", "person__phone_hash", "person__phone_masked",
                     "house_id", "grid_id")[:count]
    )  # fmt: skip
    d0 = bulk.next_id("rentals_rentaldeclaration")
    base = timezone.now() - dt.timedelta(days=365)
    decl_rows, tenant_rows, n = [], [], 0
    for n, (pid, name, *ident_tel, h_id, g_id) in enumerate(tenants.iterator(chunk_size=chunk)):
        did = d0 + n
        submitted = base + dt.timedelta(minutes=rng.randrange(525_600))
        delay = rng.choice((0, 1, 1, 2, 2, 3, 3, 5, 9))
        event = (submitted - dt.timedelta(days=delay)).date()
        status = "approved" if rng.random() < 0.85 else rng.choice(("submitted", "returned"))
        decl_rows.append((did, h_id, landlords[n % len(landlords)], "move_in", "long", status, submitted.isoformat(), event,
                          event + dt.timedelta(days=3), delay > 3, "请核对租客信息" if status == "returned" else "", None, None, g_id))  # fmt: skip
        tenant_rows.append(
            (did, name, "resident_id", *ident_tel, event, None, pid if status == "approved" else None, None)
        )
        if len(decl_rows) >= chunk:
            _load_declarations(decl_rows, tenant_rows)
            decl_rows, tenant_rows = [], []
    _load_declarations(decl_rows, tenant_rows)
    out(f"  city: {n + 1:,} declarations by {len(landlords):,} landlords")
    return {"created": True}


def _load_declarations(decl_rows: list, tenant_rows: list) -> None:
    from lib import bulk

    bulk.load(
        "rentals_rentaldeclaration",
        ["id", "house_id", "landlord_id", "kind", "rental_type", "status", "submitted_at", "event_date", "deadline", "is_late",
         "return_reason", "reviewed_by_id", "reviewed_at", "grid_id"],
        decl_rows,
    )  # fmt: skip
    bulk.load(
        "rentals_declaredtenant",
        ["declaration_id", "name", "id_type", "id_number_enc", "id_number_hash", "id_number_masked", "phone_enc", "phone_hash",
         "phone_masked", "move_in", "move_out", "person_id", "residence_id"],
        tenant_rows,
    )  # fmt: skip
