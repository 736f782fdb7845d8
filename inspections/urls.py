from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("mine/", views.mine, name="mine"),
    path("start/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/items/<int:item_id>/", views.answer, name="answer"),
    path("<int:pk>/items/<int:item_id>/photo/", views.photo, name="photo"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("photos/<int:pk>/", views.photo_file, name="photo_file"),
    path("checklists/", views.checklists, name="checklists"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/edit/", views.checklist_edit, name="checklist_edit"),
]
