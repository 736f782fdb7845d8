from django.shortcuts import render

from kpi.selectors import home_figures


def home(request):
    return render(request, "home.html", {"figures": home_figures(request.user)})
