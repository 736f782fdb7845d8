"""The demo ledger: every state, follow-ups, the mediator login's disputes, the 重点关注 flag, all
in the past, idempotent; and the city's rows on a small stand-in city."""

import random

from django.utils import timezone
from faker import Faker

from accounts.models import User
from disputes import seed, selectors
from disputes.models import (
    Agreement,
    AgreementStatus,
    Dispute,
    DisputeEvent,
    DisputeState,
    FollowUp,
    FollowUpStatus,
    MediationSession,
    Mediator,
    MediatorType,
    Party,
    ReferredTo,
)
from grid import seed as grid_seed
from grid.models import CommunityGrid
from residents import seed as residents_seed
from residents.models import Person
from tests.factories import PersonFactory


def _demo():
    """The demo station and its registries (not the rentals or inspections), then the ledger."""
    rng, fake = random.Random(7), Faker("zh_CN")
    fake.seed_instance(7)
    grid_seed.seed_demo(password="demo-password", rng=rng, fake=fake, out=lambda *a: None)
    residents_seed.seed_demo(rng=rng, fake=fake, out=lambda *a: None)
    lines = []
    result = seed.seed_demo(rng=rng, out=lines.append)
    assert result["created"], lines
    return result


def test_the_demo_ledger(db):
    """One seeding (it takes a few seconds), checked from every side."""
    _demo()

    # Every state, every way out, recurrences, registry parties and newcomers.
    assert set(Dispute.objects.values_list("state", flat=True)) == set(DisputeState.values)
    assert 110 <= Dispute.objects.count() <= 130
    referred = set(Dispute.objects.filter(state=DisputeState.REFERRED).values_list("referred_to", flat=True))
    assert ReferredTo.COURT in referred and len(referred) >= 2
    assert Dispute.objects.filter(reopen_count__gt=0).count() >= 2
    assert Party.objects.filter(person=None).exists() and Party.objects.exclude(person=None).exists()

    # Agreements signed and archived, or waiting for a signature; follow-ups done, due, overdue, cancelled.
    assert Agreement.objects.filter(status=AgreementStatus.SIGNED).exclude(signed_pdf="").exclude(sha256="").exists()
    assert Agreement.objects.filter(status=AgreementStatus.ISSUED).exclude(pdf="").exists()
    assert not Agreement.objects.filter(status=AgreementStatus.PENDING).exists()
    assert FollowUp.objects.filter(status=FollowUpStatus.DONE).count() >= 50
    assert FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED, due_on__gte=timezone.localdate()).exists()
    assert selectors.overdue_followups().exists()
    assert FollowUp.objects.filter(status=FollowUpStatus.CANCELLED).exists()
    resolved = Dispute.objects.filter(state=DisputeState.RESOLVED)
    assert resolved.exists() and not resolved.filter(resolved_at=None).exists()

    # Everything in the past, sessions after intake, agreements numbered in the order they were reached.
    now = timezone.now()
    assert not DisputeEvent.objects.filter(at__gt=now).exists()
    assert not FollowUp.objects.filter(done_at__gt=now).exists()
    assert not Agreement.objects.filter(signed_at__gt=now).exists()
    assert not Dispute.objects.filter(resolved_at__gt=now).exists()
    for s in MediationSession.objects.select_related("dispute"):
        assert s.held_at >= s.dispute.received_at
    held = list(Agreement.objects.order_by("seq").values_list("session__held_at", flat=True))
    assert held == sorted(held)

    # The roster (三官一师一员 and people's mediators); mediator1 has disputes to see.
    assert set(Mediator.objects.values_list("type", flat=True)) == set(MediatorType.values)
    assert Mediator.objects.get(user__username="mediator1").type == MediatorType.LAWYER
    assert Mediator.objects.get(user__username="officer1").type == MediatorType.POLICE
    assert 10 <= selectors.disputes_for_user(User.objects.get(username="mediator1")).count() <= 20
    consumer = Dispute.objects.filter(category="consumer").exclude(state=DisputeState.INTAKE)
    for d in consumer.prefetch_related("mediators"):
        assert {m.type for m in d.mediators.all()} >= {MediatorType.JUDGE, MediatorType.LAWYER}

    # 重点关注: residents in two or three disputes within 90 days.
    chief = User.objects.get(username="chief")
    persons = Person.objects.filter(pk__in=Party.objects.exclude(person=None).values("person_id"))
    flags = [f for f in (selectors.person_flag(p, chief) for p in persons) if f]
    assert len(flags) >= 3 and any(f.total >= 3 for f in flags)

    # A second run adds nothing.
    models = (Dispute, Party, MediationSession, Agreement, FollowUp, Mediator, DisputeEvent)
    counts = [m.objects.count() for m in models]
    assert seed.seed_demo(rng=random.Random(1), out=lambda *a: None) == {"created": False}
    assert [m.objects.count() for m in models] == counts


# --- the city --------------------------------------------------------------------------------


def test_the_city_seed_writes_consistent_rows(world):
    """The test world's grids stand in for the city's (their codes made CITY-)."""
    for g in CommunityGrid.objects.all():
        CommunityGrid.objects.filter(pk=g.pk).update(code=f"CITY-{g.code}")
    for n, grid in enumerate((world.a1, world.a1, world.b1, world.c1, world.c1)):
        PersonFactory(id_seq=40 + n * 2, grid=grid)
    Person.objects.update(birth_date="1980-01-01")
    result = seed.seed_city(rng=random.Random(3), out=lambda *a: None, count=600, sample_every=1)
    assert result["created"]
    assert Dispute.objects.count() == result["disputes"] > 500
    assert set(Dispute.objects.values_list("state", flat=True)) == set(DisputeState.values)
    assert not Dispute.objects.exclude(grid_id__in=[world.a1.pk, world.a2.pk, world.b1.pk, world.c1.pk]).exists()
    for d in Dispute.objects.prefetch_related("parties", "mediators").select_related("grid__police_grid")[:300]:
        assert d.parties.count() >= 2
        assert d.officer_id == d.grid.police_grid.officer_id
        assert all(m.station_id == d.grid.police_grid.station_id for m in d.mediators.all())
    signed = Agreement.objects.filter(status=AgreementStatus.SIGNED)
    assert signed.count() == result["agreements"] and FollowUp.objects.count() == 3 * signed.count()
    assert not FollowUp.objects.filter(status=FollowUpStatus.DONE, done_at__gt=timezone.now()).exists()
    pairs = set(Agreement.objects.values_list("station_id", "year", "seq"))
    assert len(pairs) == signed.count()
    assert seed.seed_city(rng=random.Random(3), out=lambda *a: None, count=600) == {"created": False}
