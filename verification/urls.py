from django.urls import path

from . import views

app_name = "verification"
urlpatterns = [
    path("rosters/<int:pk>/changes/", views.roster_changes, name="roster_changes"),
    path("rosters/<int:pk>/changes/list/", views.roster_change_list, name="roster_change_list"),
    path("rosters/<int:pk>/changes.xlsx", views.roster_changes_xlsx, name="roster_changes_xlsx"),
]
