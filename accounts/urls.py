from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("two-step/", views.otp_home, name="otp"),
    path("two-step/setup/", views.otp_setup, name="otp_setup"),
    path("two-step/verify/", views.otp_verify, name="otp_verify"),
]
