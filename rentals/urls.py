from django.urls import path

from rentals import views

app_name = "rentals"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("", views.mine, name="mine"),
    path("declare/", views.declare, name="declare"),
    path("declarations/", views.declaration_list, name="declaration_list"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration_detail"),
    path("declarations/<int:pk>/edit/", views.declaration_edit, name="declaration_edit"),
    path("declarations/<int:pk>/move-out/", views.move_out, name="move_out"),
    path("declarations/<int:pk>/approve/", views.approve, name="approve"),
    path("declarations/<int:pk>/return/", views.return_, name="return"),
    path("review/", views.review, name="review"),
]
