"""Template tags for pages outside incidents that show incident data: the heat layer on the grid map.

A tag, so ``grid`` (which incidents builds on) never imports incidents. ``can_see_incidents`` is
the rule of the ``police`` decorator on every incident page: the incident URLs answer anyone else
with a 404, so their pages must not ask.
"""

from __future__ import annotations

from django import template
from django.urls import reverse

from accounts.models import STAFF_ROLES
from accounts.permissions import has_role
from incidents import selectors
from incidents.models import Category

register = template.Library()


@register.simple_tag
def can_see_incidents(user) -> bool:
    """``{% can_see_incidents user as show_heat %}``: may ``user`` open the incident pages?"""
    return has_role(user, STAFF_ROLES)


@register.simple_tag(takes_context=True)
def heat_layer_config(context) -> dict:
    """``{% heat_layer_config as heat %}{{ heat|json_script:"…" }}``: what the heat layer script
    needs: the cells URL, the categories, and the period the heat map starts with (its default)."""
    request = context["request"]
    f = selectors.filters_from(request.user, {}, default_days=selectors.HEAT_DEFAULT_DAYS)
    return {
        "cells_url": reverse("incidents:heat_cells"),
        "categories": [[value, str(label)] for value, label in Category.choices],
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
    }
