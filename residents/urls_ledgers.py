from django.urls import path

from residents import views_ledgers as views

app_name = "ledgers"

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("import/<int:pk>/progress/", views.import_job_progress, name="import_job_progress"),
    path("persons.xlsx", views.persons_export, name="persons_export"),
    path("houses.xlsx", views.houses_export, name="houses_export"),
    path("declarations.xlsx", views.declarations_export, name="declarations_export"),
    path("permits.xlsx", views.permits_export, name="permits_export"),
    path("templates/persons.xlsx", views.persons_template, name="persons_template"),
    path("templates/houses.xlsx", views.houses_template, name="houses_template"),
    path("templates/tenants.xlsx", views.tenants_template, name="tenants_template"),
]
