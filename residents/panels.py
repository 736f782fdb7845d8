"""Panels other apps add to a person's page, so that residents never imports them.

An app appends a callable ``(request, person) -> (template_name, context) | None`` to
``PERSON_PANELS`` from its ``AppConfig.ready``; the person page renders each panel that
answers, in order. A panel checks the user's role itself and should cost a fixed, small
number of queries.
"""

from collections.abc import Callable

from django.template.loader import render_to_string

PERSON_PANELS: list[Callable] = []


def person_panels(request, person) -> list[str]:
    """The rendered panels for ``person``'s page (HTML, already safe)."""
    rendered = []
    for panel in PERSON_PANELS:
        answer = panel(request, person)
        if answer is not None:
            template_name, context = answer
            rendered.append(render_to_string(template_name, context, request=request))
    return rendered
