"""DRF API for the mediation ledger: read-only, scoped like the pages (``visible_to``).

Register (config/api_urls.py):
    disputes/disputes  → DisputeViewSet,  basename "dispute"
    disputes/mediators → MediatorViewSet, basename "mediator"
    disputes/sessions  → SessionViewSet,  basename "mediationsession"
    disputes/followups → FollowUpViewSet, basename "followup"

Staff see the disputes of their grids (and their station's roster); a mediator only the disputes
they are assigned to, their sessions and follow-ups, and their own roster entry; everyone else an
empty list (404 on an object). Parties show only masked identifiers: never the full ID or phone,
their ciphertext or hash.
"""

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch
from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from accounts.permissions import has_role
from disputes import selectors
from disputes.models import Dispute, FollowUp, MediationSession, Mediator, Party


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "name", "role", "id_number_masked", "phone_masked", "person"]


class DisputeSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="the ledger number, e.g. JF2026-000123")
    address = serializers.CharField(read_only=True, help_text="building address, unit and place details")
    officer_name = serializers.CharField(source="officer.display_name", read_only=True)
    mediators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    parties = PartySerializer(many=True, read_only=True)
    repeat_party = serializers.BooleanField(
        read_only=True, help_text="a party is also in another dispute received within 90 days of this one (重点关注)"
    )

    class Meta:
        model = Dispute
        fields = [
            "id", "reference", "source", "category", "risk", "state", "building", "house", "address", "grid",
            "officer", "officer_name", "mediators", "parties", "received_at", "agreed_at", "resolved_at",
            "reopen_count", "outcome_reason", "referred_to", "referred_department", "repeat_party",
        ]  # fmt: skip


class MediatorSerializer(serializers.ModelSerializer):
    has_login = serializers.SerializerMethodField(help_text="linked to a user account")

    class Meta:
        model = Mediator
        fields = ["id", "station", "name", "type", "organisation", "phone", "active", "has_login"]

    def get_has_login(self, obj) -> bool:
        return obj.user_id is not None


class SessionSerializer(serializers.ModelSerializer):
    mediators = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    parties_present = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    agreement = serializers.SerializerMethodField(help_text="the agreement drafted at this session, if any")
    agreement_number = serializers.SerializerMethodField()

    class Meta:
        model = MediationSession
        fields = [
            "id", "dispute", "held_at", "place", "mediators", "parties_present", "notes", "outcome", "reason",
            "referred_to", "referred_department", "agreement", "agreement_number",
        ]  # fmt: skip

    def get_agreement(self, obj) -> int | None:
        agreement = getattr(obj, "agreement", None)
        return agreement.pk if agreement else None

    def get_agreement_number(self, obj) -> str | None:
        agreement = getattr(obj, "agreement", None)
        return agreement.number if agreement else None


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = ["id", "dispute", "agreement", "day", "due_on", "status", "method", "kept", "note", "done_at"]


def _with_repeat_party(qs):
    """Annotate ``repeat_party``: one of the dispute's parties (by ID hash; a registry person's
    party carries the person's hash) is in another dispute received within 90 days either side.
    A correlated EXISTS per row on the party hash index: cheap on a page of 50."""
    window = dt.timedelta(days=selectors.REPEAT_WINDOW_DAYS)
    received = OuterRef(OuterRef("received_at"))
    elsewhere = Party.objects.filter(
        id_number_hash=OuterRef("id_number_hash"),
        dispute__received_at__gte=received - window,
        dispute__received_at__lte=received + window,
    ).exclude(dispute_id=OuterRef(OuterRef("pk")))
    mine = Party.objects.filter(dispute_id=OuterRef("pk")).exclude(id_number_hash="").filter(Exists(elsewhere))
    return qs.annotate(repeat_party=Exists(mine))


class DisputeFilter(filters.FilterSet):
    overdue = filters.BooleanFilter(method="by_overdue", label="has a scheduled follow-up past its due date")

    class Meta:
        model = Dispute
        fields = ["state", "category", "grid", "officer", "risk", "overdue"]

    def by_overdue(self, queryset, name, value):
        late = Exists(selectors.overdue_followups().filter(dispute_id=OuterRef("pk")))
        return queryset.filter(late) if value else queryset.exclude(late)


class SessionFilter(filters.FilterSet):
    class Meta:
        model = MediationSession
        fields = ["dispute", "outcome"]


class FollowUpFilter(filters.FilterSet):
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte", label="due on or before")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte", label="due on or after")

    class Meta:
        model = FollowUp
        fields = ["dispute", "status", "due_before", "due_after"]


class DisputeViewSet(viewsets.ReadOnlyModelViewSet):
    """The dispute ledger, newest first."""

    serializer_class = DisputeSerializer
    filterset_class = DisputeFilter

    def get_queryset(self):
        qs = (
            selectors.disputes_for_user(self.request.user)
            .select_related("building", "house", "officer")
            .prefetch_related(
                Prefetch("parties", queryset=Party.objects.order_by("order", "id")),
                Prefetch("mediators", queryset=Mediator.objects.only("id")),
            )
            .order_by("-received_at", "-id")
        )
        return _with_repeat_party(qs)


class MediatorViewSet(viewsets.ReadOnlyModelViewSet):
    """The stations' mediator rosters (a mediator: only their own entry)."""

    serializer_class = MediatorSerializer
    filterset_fields = ["station", "type", "active"]

    def get_queryset(self):
        # The roster is a dispute page: grid workers, volunteers and landlords see none of it.
        if not has_role(self.request.user, selectors.DISPUTE_ROLES):
            return Mediator.objects.none()
        return Mediator.objects.visible_to(self.request.user).order_by("station_id", "type", "name", "id")


class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Mediation sessions of the disputes in scope, newest first."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter

    def get_queryset(self):
        return (
            MediationSession.objects.visible_to(self.request.user)
            .select_related("agreement")
            .prefetch_related(
                Prefetch("mediators", queryset=Mediator.objects.only("id")),
                Prefetch("parties_present", queryset=Party.objects.only("id")),
            )
            .order_by("-held_at", "-id")
        )


class FollowUpViewSet(viewsets.ReadOnlyModelViewSet):
    """Follow-up visits (回访) of the disputes in scope, by due date."""

    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter

    def get_queryset(self):
        return FollowUp.objects.visible_to(self.request.user).order_by("due_on", "id")


__all__ = ["DisputeViewSet", "MediatorViewSet", "SessionViewSet", "FollowUpViewSet"]
