"""Role checks shared by pages and the API. Scope (which grids) is ``grid.scope``; this is what."""

from functools import wraps

from django.http import Http404

from accounts.models import GRID_ROLES, Role

ADDRESS_EDITOR_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.GRID_WORKER, Role.CHIEF, Role.ADMIN})
# A person's attention tags (社区矫正对象, 刑满释放人员 …) and level are sensitive: police staff only
# (DOMAIN.md), never grid workers, on pages, forms, the API and the Excel ledger alike.
ATTENTION_ROLES = frozenset({Role.OFFICER, Role.AUXILIARY, Role.CHIEF, Role.ADMIN})
ATTENTION_FIELDS = ("attention_tags", "attention_colour")


def has_role(user, roles, *, superuser: bool = True) -> bool:
    """``superuser=False`` for pages that belong to one kind of user (a landlord's own pages)."""
    if not user.is_authenticated:
        return False
    return (superuser and user.is_superuser) or user.role in roles


def role_required(roles, *, superuser: bool = True):
    """Page decorator: users without one of ``roles`` get a 404, as for anything out of scope."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_role(request.user, roles, superuser=superuser):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


grid_role_required = role_required(GRID_ROLES)


def sees_attention(user) -> bool:
    return has_role(user, ATTENTION_ROLES)
