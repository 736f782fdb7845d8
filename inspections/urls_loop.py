from django.urls import path

from inspections import views_loop

app_name = "hazards"

urlpatterns = [
    path("", views_loop.ledger, name="ledger"),
    path("due/", views_loop.due, name="due"),
    path("<int:pk>/", views_loop.hazard_detail, name="detail"),
    path("reinspect/<int:pk>/", views_loop.reinspect, name="reinspect"),
]
