"""``{% venue_inspections venue %}``: a venue's inspections, notices and hazards on its page.

A template tag, so residents (which inspections builds on) never imports inspections.
Shown to police roles only; the venue itself was already fetched through ``visible_to``.
"""

from django import template

from accounts.permissions import has_role
from inspections import loop

register = template.Library()


@register.inclusion_tag("inspections/hazard_venue_history.html", takes_context=True)
def venue_inspections(context, venue):
    request = context.get("request")
    if request is None or not has_role(request.user, loop.POLICE_ROLES):
        return {"show": False}
    return {"show": True, "venue": venue, **loop.venue_history(venue)}
