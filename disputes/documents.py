"""The agreement's model rows as the plain values ``documents.agreement_pdf`` renders."""

from __future__ import annotations

from django.utils import timezone

from disputes.models import Agreement, Party


def _mediator_line(m) -> str:
    what = m.get_type_display()
    if m.organisation:
        what = f"{what}，{m.organisation}"
    return f"{m.name}（{what}）"


def agreement_doc(agreement: Agreement, *, signed: bool):
    from disputes.services import judicial_confirmation_deadline
    from documents.agreement_pdf import AgreementDoc, PartyRow

    dispute, session = agreement.dispute, agreement.session
    signatures = {}
    if signed:
        for s in agreement.signatures.all():
            with s.image.open("rb") as f:
                signatures[s.party_id] = (f.read(), timezone.localdate(s.signed_at).isoformat())
    parties = Party.objects.filter(dispute=dispute).select_related("person").order_by("order", "id")
    rows = []
    for p in parties:
        image, on = signatures.get(p.pk, (b"", ""))
        sex = p.person.get_sex_display() if p.person_id and p.person.sex else ""
        rows.append(
            PartyRow(
                role=str(p.get_role_display()),
                name=p.name,
                sex=str(sex),
                id_masked=p.id_number_masked,
                phone_masked=p.phone_masked,
                signature=image,
                signed_on=on,
            )  # fmt: skip
        )
    deadline = judicial_confirmation_deadline(agreement) if signed else None
    return AgreementDoc(
        number=agreement.number,
        station=agreement.station.name,
        station_phone=agreement.station.phone,
        category=str(dispute.get_category_display()),
        place=session.place,
        address=dispute.address,
        held_on=timezone.localdate(session.held_at).isoformat(),
        facts=agreement.facts,
        terms=agreement.terms,
        mediators=[_mediator_line(m) for m in session.mediators.order_by("type", "name")],
        parties=rows,
        signed_on=timezone.localdate(agreement.signed_at).isoformat() if signed and agreement.signed_at else "",
        confirmation_deadline=deadline.isoformat() if deadline else "",
    )
