"""Community time pages: the officer's check-in button, the chief's view of the station."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import STAFF_ROLES, Role, User
from accounts.permissions import role_required
from field import services
from field.models import Check, Kind

staff_required = role_required(STAFF_ROLES)
chief_required = role_required({Role.CHIEF, Role.ADMIN})


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


@staff_required
@require_GET
def home(request):
    user, today = request.user, timezone.localdate()
    recent = list(Check.objects.filter(user=user).order_by("-at", "-id")[:40])
    return render(
        request,
        "field/home.html",
        {
            "open": services.checked_in(user),
            "shifts": list(reversed(services.shifts(recent)))[:10],
            "hours_today": services.hours(user, today, today),
            "hours_month": services.hours(user, _month_start(today), today),
        },
    )


@staff_required
@require_POST
def check(request):
    kind = request.POST.get("kind", "")
    try:
        made = services.check(
            user=request.user, kind=kind, lat=request.POST.get("lat"), lng=request.POST.get("lng"),
            accuracy=request.POST.get("accuracy"), note=request.POST.get("note", "")[:200],
        )  # fmt: skip
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("field:home")
    if made.kind == Kind.IN:
        text = _("Checked in at %(time)s.") % {"time": timezone.localtime(made.at).strftime("%H:%M")}
    else:
        text = _("Checked out at %(time)s.") % {"time": timezone.localtime(made.at).strftime("%H:%M")}
    if not made.inside:
        text += " " + _("The position is outside your own grids: the record is flagged.")
        messages.warning(request, text)
    else:
        messages.success(request, text)
    return redirect("field:home")


@chief_required
@require_GET
def station(request):
    """Who is in the community now, where they last checked, and this month's hours."""
    user, today = request.user, timezone.localdate()
    if user.is_superuser or user.role == Role.ADMIN:
        officers = User.objects.filter(is_active=True, role__in=(Role.OFFICER, Role.AUXILIARY))
    else:
        officers = services.station_officers(user.station_id)
    officers = list(officers.order_by("role", "full_name", "username")[:200])
    checks = (
        Check.objects.visible_to(user)
        .filter(user__in=officers, at__gte=timezone.now() - dt.timedelta(days=31))
        .select_related("grid")
    )
    by_user: dict[int, list[Check]] = {}
    for c in checks:
        by_user.setdefault(c.user_id, []).append(c)
    month = timezone.make_aware(dt.datetime.combine(_month_start(today), dt.time.min))
    rows = []
    for o in officers:
        mine = by_user.get(o.pk, [])
        last = max(mine, key=lambda c: (c.at, c.id), default=None)
        month_shifts = [s for s in services.shifts(mine) if s.start.at >= month]
        rows.append(
            {
                "officer": o,
                "last": last,
                "in_now": last is not None and last.kind == Kind.IN and timezone.now() - last.at < services.MAX_SHIFT,
                "hours_month": round(sum(s.hours for s in month_shifts), 1),
                "flagged": sum(1 for s in month_shifts if s.flagged),
            }
        )
    return render(request, "field/station.html", {"rows": rows, "in_now": sum(r["in_now"] for r in rows)})


def _diary_user(request):
    """The officer whose diary is shown: oneself, or (chief, admin) ``?user=`` of their station."""
    raw = request.GET.get("user", "")
    me = request.user
    if not raw or raw == str(me.pk):
        return me
    if not raw.isdigit() or not (me.is_superuser or me.role in (Role.CHIEF, Role.ADMIN)):
        raise Http404
    if me.is_superuser or me.role == Role.ADMIN:
        return get_object_or_404(User.objects.filter(is_active=True), pk=int(raw))
    return get_object_or_404(services.station_officers(me.station_id), pk=int(raw))


@staff_required
@require_GET
def diary(request):
    """工作日志: the officer's day, compiled from their records."""
    from field import diary as diary_mod

    officer = _diary_user(request)
    try:
        day = dt.date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    entries = diary_mod.day_entries(officer, day)
    return render(
        request,
        "field/diary.html",
        {
            "officer": officer,
            "day": day,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1) if day < timezone.localdate() else None,
            "entries": entries,
            "summary": diary_mod.summary(entries),
            "is_self": officer.pk == request.user.pk,
        },
    )


@staff_required
def publicity(request):
    """Record a publicity activity (phone) and list the user's recent ones."""
    from field.forms import PublicityForm
    from field.models import Publicity

    form = PublicityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.publicity_record(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Publicity activity recorded."))
            return redirect("field:publicity")
    recent = (
        Publicity.objects.filter(Q(user=request.user) | Q(participants=request.user))
        .distinct()
        .select_related("grid")
        .order_by("-held_on", "-id")[:20]
    )
    form.mark_errors()
    return render(request, "field/publicity.html", {"form": form, "recent": recent})
