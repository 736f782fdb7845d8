"""The mediation ledger's pages, mounted at /disputes/.

Staff (officer, auxiliary, chief, admin) in scope; a user with the ``mediator`` role sees the
ledger, page and agreement of the disputes assigned to them and may record their sessions;
everyone else gets 404.
"""

from django.urls import path

from disputes import views, views_ledger

app_name = "disputes"

urlpatterns = [
    path("", views_ledger.ledger, name="ledger"),
    path("export.xlsx", views_ledger.export, name="export"),
    path("followups/", views_ledger.followups, name="followups"),
    path("mediators/", views_ledger.mediator_list, name="mediators"),
    path("mediators/new/", views_ledger.mediator_create, name="mediator_create"),
    path("mediators/<int:pk>/", views_ledger.mediator_edit, name="mediator_edit"),
    path("new/", views.create, name="create"),
    path("new/buildings/", views.building_search, name="building_search"),
    path("new/persons/", views.person_search, name="person_search"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/sessions/new/", views.session_create, name="session_create"),
    path("agreements/<int:pk>/sign/", views.agreement_sign, name="agreement_sign"),
    path("agreements/<int:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("followups/<int:pk>/", views.followup_record, name="followup_record"),
]
