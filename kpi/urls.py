"""KPI pages, mounted at /kpi/: the station, one's own figures, an officer's, the records behind a
figure, recomputing a period with its progress page, and the reports (history, progress, downloads)."""

from django.urls import path

from kpi import views, views_reports

app_name = "kpi"

urlpatterns = [
    path("", views.station, name="station"),
    path("me/", views.mine, name="mine"),
    path("officers/<int:pk>/", views.officer, name="officer"),
    path("records/<str:metric>/", views.records, name="records"),
    path("recompute/", views.recompute, name="recompute"),
    path("runs/<int:pk>/", views.run_page, name="run"),
    path("reports/", views_reports.report_list, name="reports"),
    path("reports/<int:pk>/", views_reports.report_detail, name="report"),
    path("reports/<int:pk>/pdf/", views_reports.report_pdf, name="report_pdf"),
    path("reports/<int:pk>/xlsx/", views_reports.report_xlsx, name="report_xlsx"),
]
