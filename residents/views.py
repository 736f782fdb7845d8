"""Registry pages for officers: search persons, person/house/venue pages, forms, the ledger."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import ADDRESS_EDITOR_ROLES, ATTENTION_FIELDS, role_required, sees_attention
from grid.selectors import get_building_for_user
from lib.api_fields import query_id
from lib.paging import Paginator
from residents import selectors, services
from residents.forms import HouseForm, PersonForm, PersonSearchForm, ResidenceForm, RevealForm, VenueForm
from residents.models import HouseUse, Person, VenueKind
from residents.panels import person_panels

# Who works with the registries: officers and their grid staff. Volunteers see addresses only.
REGISTRY_ROLES = ADDRESS_EDITOR_ROLES
# Who may see a person's full ID after giving a reason.
REVEAL_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN})
PAGE_SIZE = 30


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _apply_errors(form, exc: ValidationError):
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _form_page(request, form, *, save, template: str, context: dict, done: str):
    """GET shows the form; a valid POST calls ``save(cleaned_data)`` (a service) and goes to
    ``done``; a service's ValidationError lands next to its field with the input kept."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(done, pk=obj.pk)
    return render(request, template, {"form": form, **context})


@role_required(REGISTRY_ROLES)
def person_list(request):
    form = PersonSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    page = _page(request, selectors.persons_for_user(request.user, q=q))
    template = "residents/_person_rows.html" if request.headers.get("HX-Request") else "residents/person_list.html"
    return render(request, template, {"page": page, "form": form, "q": q})


@role_required(REGISTRY_ROLES)
def person_detail(request, pk):
    person = selectors.get_person_for_user(request.user, pk)
    return render(
        request,
        "residents/person_detail.html",
        {
            "person": person,
            "changes": _visible_changes(request.user, selectors.changes_of(person)),
            "can_reveal": request.user.is_superuser or request.user.role in REVEAL_ROLES,
            "reveal_form": RevealForm(),
            "panels": person_panels(request, person),  # from other apps, e.g. disputes' 重点关注
        },
    )


def _visible_changes(user, changes):
    """The person's history, without the attention fields for those who may not see them."""
    if sees_attention(user):
        return changes
    changes = list(changes)
    for c in changes:
        c.changes = {k: v for k, v in (c.changes or {}).items() if k not in ATTENTION_FIELDS}
    return [c for c in changes if c.changes or c.action == "create"]  # a reason for tags alone would tell


@require_POST
@role_required(REVEAL_ROLES)
def person_reveal(request, pk):
    """Show one person's full ID and phone for a reason; the reveal is audited (htmx fragment)."""
    person = selectors.get_person_for_user(request.user, pk)
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        revealed = services.person_reveal(request=request, person=person, reason=form.cleaned_data["reason"])
    return render(request, "residents/_reveal.html", {"person": person, "form": form, "revealed": revealed})


def _person_form_page(request, person=None, house=None):
    initial = {}
    if person is not None:
        initial = {
            "name": person.name, "id_type": person.id_type, "sex": person.sex, "birth_date": person.birth_date,
            "ethnicity": person.ethnicity, "household_status": person.household_status,
            "registration_place": person.registration_place, "attention_tags": person.attention_tags,
            "attention_colour": person.attention_colour,
        }  # fmt: skip
    form = PersonForm(
        request.POST or None, initial=initial, with_residence=house is not None, attention=sees_attention(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        relation, start = data.pop("relation", None), data.pop("start", None)
        if person is not None:
            # The full ID is not shown in the form; an empty field keeps the stored one.
            if not data["id_number"]:
                data["id_number"] = person.id_number
            if not data["phone"]:
                data["phone"] = person.phone
        try:
            if house is None:
                person = services.person_save(user=request.user, person=person, **data)
            else:
                person = services.person_register_at(
                    user=request.user, house=house, relation=relation, start=start, **data
                )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("residents:person_detail", pk=person.pk)
    return render(request, "residents/person_form.html", {"form": form, "person": person, "house": house})


@role_required(REGISTRY_ROLES)
def person_create(request):
    """A person is registered where they live: pick the house first (every record has a grid)."""
    house_pk = request.GET.get("house", "")
    if query_id(house_pk) is None:
        q = request.GET.get("q", "")[:100]
        houses = selectors.houses_for_user(request.user, q=q)[:30] if q else []
        return render(request, "residents/person_pick_house.html", {"q": q, "houses": houses})
    return _person_form_page(request, house=selectors.get_house_for_user(request.user, int(house_pk)))


@role_required(REGISTRY_ROLES)
def person_edit(request, pk):
    return _person_form_page(request, selectors.get_person_for_user(request.user, pk))


@role_required(REGISTRY_ROLES)
def house_list(request):
    q = request.GET.get("q", "")[:100]
    use = request.GET.get("use", "")
    use = use if use in HouseUse.values else ""
    page = _page(request, selectors.houses_for_user(request.user, q=q, use=use))
    return render(request, "residents/house_list.html", {"page": page, "q": q, "use": use, "uses": HouseUse.choices})


@role_required(REGISTRY_ROLES)
def house_detail(request, pk):
    house = selectors.get_house_for_user(request.user, pk)
    return render(
        request,
        "residents/house_detail.html",
        {
            "house": house,
            "residences": selectors.house_residents(house),
            "visits": selectors.recent_visits(house=house),
            "changes": selectors.changes_of(house),
            "residence_form": ResidenceForm(),
        },
    )


def _house_form_page(request, building, house=None):
    initial = {} if house is None else {"unit": house.unit, "floor": house.floor, "area": house.area, "use": house.use}
    return _form_page(
        request,
        HouseForm(request.POST or None, initial=initial),
        save=lambda data: services.house_save(user=request.user, house=house, building=building, **data),
        template="residents/house_form.html",
        context={"building": building, "house": house},
        done="residents:house_detail",
    )


@role_required(REGISTRY_ROLES)
def house_create(request, building_pk):
    return _house_form_page(request, get_building_for_user(request.user, building_pk))


@role_required(REGISTRY_ROLES)
def house_edit(request, pk):
    house = selectors.get_house_for_user(request.user, pk)
    return _house_form_page(request, house.building, house)


@require_POST
@role_required(REGISTRY_ROLES)
def residence_add(request, pk):
    house = selectors.get_house_for_user(request.user, pk)
    form = ResidenceForm(request.POST)
    if form.is_valid():
        # An exact ID finds the person wherever they were registered before: they move in here.
        person = Person.objects.filter(id_number_hash=Person.id_hash_for(form.cleaned_data["person_id_number"])).first()
        if person is None:
            messages.error(request, _("No person with this resident ID is registered yet: add the person first."))
        else:
            services.residence_start(
                user=request.user, person=person, house=house,
                relation=form.cleaned_data["relation"], start=form.cleaned_data["start"],
            )  # fmt: skip
            messages.success(request, _("%(name)s now lives here.") % {"name": person.name})
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
    return redirect("residents:house_detail", pk=house.pk)


@require_POST
@role_required(REGISTRY_ROLES)
def residence_end(request, pk, residence_pk):
    house = selectors.get_house_for_user(request.user, pk)
    residence = selectors.house_residents(house).filter(pk=residence_pk, end__isnull=True).first()
    if residence is None:
        raise Http404
    try:
        services.residence_end(user=request.user, residence=residence, end=services.today())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("residents:house_detail", pk=house.pk)


@role_required(REGISTRY_ROLES)
def building_ledger(request, pk):
    building = get_building_for_user(request.user, pk)
    return render(
        request, "residents/building_ledger.html", {"building": building, "ledger": selectors.building_ledger(building)}
    )


@role_required(REGISTRY_ROLES)
def venue_list(request):
    q = request.GET.get("q", "")[:100]
    kind = request.GET.get("kind", "")
    kind = kind if kind in VenueKind.values else ""
    page = _page(request, selectors.venues_for_user(request.user, q=q, kind=kind))
    return render(
        request, "residents/venue_list.html", {"page": page, "q": q, "kind": kind, "kinds": VenueKind.choices}
    )


@role_required(REGISTRY_ROLES)
def venue_detail(request, pk):
    venue = selectors.get_venue_for_user(request.user, pk)
    return render(request, "residents/venue_detail.html", {"venue": venue, "changes": selectors.changes_of(venue)})


def _venue_form_page(request, building, venue=None):
    initial = (
        {} if venue is None else {f: getattr(venue, f) for f in ("name", "kind", "licence_number", "responsible_name")}
    )
    return _form_page(
        request,
        VenueForm(request.POST or None, initial=initial),
        save=lambda data: services.venue_save(user=request.user, venue=venue, building=building, **data),
        template="residents/venue_form.html",
        context={"building": building, "venue": venue},
        done="residents:venue_detail",
    )


@role_required(REGISTRY_ROLES)
def venue_create(request, building_pk):
    return _venue_form_page(request, get_building_for_user(request.user, building_pk))


@role_required(REGISTRY_ROLES)
def venue_edit(request, pk):
    venue = selectors.get_venue_for_user(request.user, pk)
    return _venue_form_page(request, venue.building, venue)
