from django.urls import path

from residents import views

app_name = "residents"

urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("houses/", views.house_list, name="house_list"),
    path("houses/<int:pk>/", views.house_detail, name="house_detail"),
    path("houses/<int:pk>/edit/", views.house_edit, name="house_edit"),
    path("houses/<int:pk>/residents/", views.residence_add, name="residence_add"),
    path("houses/<int:pk>/residents/<int:residence_pk>/end/", views.residence_end, name="residence_end"),
    path("buildings/<int:building_pk>/houses/new/", views.house_create, name="house_create"),
    path("buildings/<int:pk>/ledger/", views.building_ledger, name="building_ledger"),
    path("buildings/<int:building_pk>/venues/new/", views.venue_create, name="venue_create"),
    path("venues/", views.venue_list, name="venue_list"),
    path("venues/<int:pk>/", views.venue_detail, name="venue_detail"),
    path("venues/<int:pk>/edit/", views.venue_edit, name="venue_edit"),
]
