"""Rectification notices, mounted at the site root.

Public (no login; the QR code on the notice opens it): /n/<token>/… — read, download, sign with
the sign code, report a hazard fixed. Staff: /inspections/notices/<pk>/… — detail, signature pad,
PDF download (scoped, audited).
"""

from django.urls import path

from inspections import views_notices as views

app_name = "notices"

urlpatterns = [
    # Public: the venue's page behind the notice's token.
    path("n/<str:token>/", views.public, name="public"),
    path("n/<str:token>/pdf/", views.public_pdf, name="public_pdf"),
    path("n/<str:token>/sign/", views.public_sign, name="public_sign"),
    path("n/<str:token>/fixed/<int:hazard_pk>/", views.public_fixed, name="public_fixed"),
    # Staff.
    path("inspections/notices/<int:pk>/", views.detail, name="detail"),
    path("inspections/notices/<int:pk>/sign/", views.sign, name="sign"),
    path("inspections/notices/<int:pk>/pdf/", views.pdf, name="pdf"),
]
