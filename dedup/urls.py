from django.urls import path

from . import views

app_name = "dedup"
urlpatterns = [
    path("", views.run_list, name="runs"),
    path("<int:pk>/", views.run_detail, name="run"),
    path("<int:pk>/resume/", views.run_resume, name="run_resume"),
    path("<int:pk>/results/", views.result_list, name="results"),
    path("<int:pk>/result.csv", views.result_download, {"kind": "csv"}, name="result_csv"),
    path("<int:pk>/result.xlsx", views.result_download, {"kind": "xlsx"}, name="result_xlsx"),
    path("settings/", views.settings_edit, name="settings"),
    path("review/", views.review, name="review"),
    path("review/<int:pk>/decide/", views.pair_decide, name="pair_decide"),
]
