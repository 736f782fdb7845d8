"""The grid's roster (网格力量): volunteers apply or are added, the grid's officer decides.

A member's life: ``pending`` (applied online) → ``active`` (approved: a ``volunteer`` login that
signs in with the phone) or ``rejected``; ``active`` ↔ ``suspended``; either → ``left``. Only
``active`` members are in their grid's scope, and a suspended or departed member's login is
switched off. A phone has one open membership at a time (a database constraint).

Who decides: police staff whose scope holds the grid (the police grid's officer, the grid's
auxiliary officer, the station chief, an administrator). The grid worker reads the roster.
Refusals are ``ValidationError``s keyed by field, for ``lib.forms.add_service_errors``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import STAFF_ROLES, Role, User
from grid.models import OPEN_MEMBER_STATUSES, CommunityGrid, GridMember, MemberStatus
from grid.scope import scope_for
from lib import crypto, sms

# (from, to) pairs a decision may make; anything else is refused with the member's status named.
TRANSITIONS = {
    (MemberStatus.PENDING, MemberStatus.ACTIVE),
    (MemberStatus.PENDING, MemberStatus.REJECTED),
    (MemberStatus.ACTIVE, MemberStatus.SUSPENDED),
    (MemberStatus.ACTIVE, MemberStatus.LEFT),
    (MemberStatus.SUSPENDED, MemberStatus.ACTIVE),
    (MemberStatus.SUSPENDED, MemberStatus.LEFT),
}
# A reason is required where the member would otherwise not know why.
NEEDS_REASON = {MemberStatus.REJECTED, MemberStatus.SUSPENDED}


def can_manage(user, grid: CommunityGrid) -> bool:
    """Police staff whose scope holds ``grid`` decide on its roster."""
    if not user.is_authenticated or not (user.is_superuser or user.role in STAFF_ROLES):
        return False
    scope = scope_for(user)
    return scope.everything or grid.pk in scope.community_grid_ids


def can_read(user, grid: CommunityGrid) -> bool:
    """The deciders and the grid's own grid worker see the roster (volunteers do not: phones)."""
    if can_manage(user, grid):
        return True
    return user.is_authenticated and user.role == Role.GRID_WORKER and grid.grid_worker_id == user.pk


def _username(phone: str) -> str:
    return "vol-" + crypto.keyed_hash("user:" + phone)[:12]


def _text(message: str, **values) -> str:
    """An SMS in the station's language whatever the officer's page is in."""
    with translation.override(settings.LANGUAGE_CODE):
        return _(message) % values


def _open_membership(phone: str) -> GridMember | None:
    return (
        GridMember.objects.select_related("grid", "user")
        .filter(phone_hash=crypto.phone_hash(phone), status__in=OPEN_MEMBER_STATUSES)
        .first()
    )


def _refuse_duplicate(phone: str) -> None:
    existing = _open_membership(phone)
    if existing is not None:
        if existing.status == MemberStatus.PENDING:
            message = _("This phone number already has an application waiting at %(grid)s.")
        else:
            message = _("This phone number is already on the roster of %(grid)s.")
        raise ValidationError({"phone": message % {"grid": existing.grid.name}})


def _save_new(member: GridMember) -> GridMember:
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:  # two submissions of one phone at once: the constraint decides
        raise ValidationError({"phone": _("This phone number is already on a roster.")}) from None
    return member


def apply(
    *,
    grid: CommunityGrid,
    name: str,
    phone: str,
    code: str,
    member_type: str,
    password: str,
    address: str = "",
    motivation: str = "",
) -> GridMember:
    """A resident applies online; the phone proves itself with the SMS code. The chosen password
    is kept as a hash until approval turns it into a login."""
    _refuse_duplicate(phone)
    try:
        validate_password(password, User(username=_username(phone), full_name=name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    if not sms.code_check(phone, code):
        raise ValidationError({"code": _("The code is wrong or has expired: ask for a new one.")})
    member = GridMember(
        grid=grid,
        name=name.strip(),
        member_type=member_type,
        address=address.strip(),
        motivation=motivation.strip(),
        applied=True,
        pending_password=make_password(password),
    )
    member.set_phone(phone)
    return _save_new(member)


def _login_for(member: GridMember, *, password_hash: str = "") -> User:
    """The member's volunteer login: the one they had before (a returning member) or a new one."""
    phone = member.phone
    user = member.user or User.objects.filter(username=_username(phone)).first()
    if user is None:
        user = User(username=_username(phone), role=Role.VOLUNTEER)
        user.set_unusable_password()
    user.full_name, user.is_active = member.name, True
    if password_hash:
        user.password = password_hash
    user.save()
    return user


def add(
    *, grid: CommunityGrid, by, name: str, phone: str, member_type: str, address: str = "", note: str = ""
) -> GridMember:
    """The officer puts someone on the roster directly: active at once, with a login whose
    password the member sets through the SMS-code page (they get a text saying so)."""
    if not can_manage(by, grid):
        raise ValidationError(_("Only the grid's police officers can add members."))
    _refuse_duplicate(phone)
    member = GridMember(
        grid=grid,
        name=name.strip(),
        member_type=member_type,
        address=address.strip(),
        note=note.strip(),
        status=MemberStatus.ACTIVE,
        decided_by=by,
        decided_at=timezone.now(),
    )
    member.set_phone(phone)
    with transaction.atomic():
        _save_new(member)
        member.user = _login_for(member)
        member.save(update_fields=["user"])
    sms.send(
        phone,
        _text(
            gettext_noop(
                "【枫桥】You are now a volunteer grid member of %(grid)s. Set your password at %(url)s to log in."
            ),
            grid=grid.name,
            url=settings.PUBLIC_BASE_URL + reverse("members:password"),
        ),
    )
    return member


def decide(member: GridMember, *, by, to: str, reason: str = "") -> GridMember:
    """Approve, reject, suspend, reinstate or record that a member left."""
    if not can_manage(by, member.grid):
        raise ValidationError(_("Only the grid's police officers decide on its roster."))
    reason = reason.strip()
    if to in NEEDS_REASON and not reason:
        raise ValidationError({"reason": _("Say why, so the member can be told.")})
    with transaction.atomic():
        # Read the status under the row lock: two officers deciding at once cannot both win.
        member = GridMember.objects.select_for_update(of=("self",)).select_related("grid", "user").get(pk=member.pk)
        was = member.status
        if (was, to) not in TRANSITIONS:
            raise ValidationError(
                {"status": _("A member who is %(status)s cannot be changed this way.") % {
                    "status": member.get_status_display()
                }}
            )  # fmt: skip
        if to == MemberStatus.ACTIVE:
            member.user = _login_for(member, password_hash=member.pending_password)
            member.pending_password = ""
        elif member.user_id is not None:  # suspended or left: the login stops working
            User.objects.filter(pk=member.user_id).update(is_active=False)
        if to == MemberStatus.REJECTED:
            member.pending_password = ""
        member.status, member.decided_by, member.decided_at = to, by, timezone.now()
        if reason:
            member.note = reason[:300]
        member.save()
    _tell(member, was, to, reason)
    return member


def _tell(member: GridMember, was: str, to: str, reason: str) -> None:
    if was == MemberStatus.PENDING and to == MemberStatus.ACTIVE:
        text = _text(
            gettext_noop(
                "【枫桥】Your application to %(grid)s was approved. Log in with this phone number and your password."
            ),
            grid=member.grid.name,
        )
    elif to == MemberStatus.ACTIVE:
        text = _text(
            gettext_noop("【枫桥】Your volunteer membership of %(grid)s is active again."), grid=member.grid.name
        )
    elif to == MemberStatus.REJECTED:
        text = _text(
            gettext_noop("【枫桥】Your application to %(grid)s was not approved: %(reason)s"),
            grid=member.grid.name,
            reason=reason,
        )
    elif to == MemberStatus.SUSPENDED:
        text = _text(
            gettext_noop("【枫桥】Your volunteer membership of %(grid)s is suspended: %(reason)s"),
            grid=member.grid.name,
            reason=reason,
        )
    else:
        return
    sms.send(member.phone, text)


def edit(member: GridMember, *, by, name: str, member_type: str, address: str = "", phone: str = "") -> GridMember:
    """Correct a member's details; a new phone is checked against other open memberships."""
    if not can_manage(by, member.grid):
        raise ValidationError(_("Only the grid's police officers can change the roster."))
    with transaction.atomic():
        if phone and crypto.phone_hash(phone) != member.phone_hash:
            _refuse_duplicate(phone)
            member.set_phone(phone)
        member.name, member.member_type, member.address = name.strip(), member_type, address.strip()
        try:
            with transaction.atomic():
                member.save()
        except IntegrityError:
            raise ValidationError({"phone": _("This phone number is already on a roster.")}) from None
        if member.user_id is not None:
            User.objects.filter(pk=member.user_id).update(full_name=member.name)
    return member


def set_password(*, phone: str, code: str, password: str) -> User:
    """An active member sets (or resets) their password with an SMS code sent to their phone."""
    member = _open_membership(phone)
    if member is None or member.status != MemberStatus.ACTIVE or member.user_id is None:
        raise ValidationError({"phone": _("This phone number is not on any grid's roster as an active member.")})
    user = member.user
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    if not sms.code_check(phone, code):
        raise ValidationError({"code": _("The code is wrong or has expired: ask for a new one.")})
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def member_for_login(phone: str) -> GridMember | None:
    """The active member a phone signs in as (``grid.backends``)."""
    member = _open_membership(phone)
    if member is None or member.status != MemberStatus.ACTIVE or member.user_id is None:
        return None
    return member


def enrol(rows, *, batch_size: int = 2000) -> int:
    """Seeds and imports: put existing volunteer logins on rosters as active members at once.

    ``rows``: ``(grid_id, user, member_type, phone)``. Returns the number of members created.
    """
    now = timezone.now()
    members = []
    for grid_id, user, member_type, phone in rows:
        member = GridMember(
            grid_id=grid_id, user=user, name=user.full_name or user.username, member_type=member_type,
            status=MemberStatus.ACTIVE, decided_at=now,
        )  # fmt: skip
        member.set_phone(phone)
        members.append(member)
    GridMember.objects.bulk_create(members, batch_size=batch_size)
    return len(members)
