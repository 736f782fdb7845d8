"""Residence permits, mounted at the site root: /permits/… and the public /verify/<token>/."""

from django.urls import path

from rentals import views_permits as views

app_name = "permits"

urlpatterns = [
    # Public: the resident's application and status page, and the QR's verify page.
    path("permits/apply/", views.apply, name="apply"),
    path("permits/houses/", views.houses, name="houses"),
    path("permits/status/<str:token>/", views.status, name="status"),
    path("permits/status/<str:token>/pdf/", views.status_pdf, name="status_pdf"),
    path("verify/<str:token>/", views.verify, name="verify"),
    # Staff.
    path("permits/", views.permit_list, name="list"),
    path("permits/<int:pk>/", views.permit_detail, name="detail"),
    path("permits/<int:pk>/reveal/", views.reveal, name="reveal"),
    path("permits/<int:pk>/approve/", views.approve, name="approve"),
    path("permits/<int:pk>/return/", views.return_, name="return"),
    path("permits/<int:pk>/renew/", views.renew, name="renew"),
    path("permits/<int:pk>/pdf/", views.pdf, name="pdf"),
    path("permits/<int:pk>/photo/", views.photo, name="photo"),
    path("permits/<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment"),
]
