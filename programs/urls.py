from django.urls import path

from . import views

app_name = "programs"
urlpatterns = [
    path("", views.program_list, name="list"),
    path("new/", views.program_edit, name="create"),
    path("rosters/<int:pk>/", views.version_detail, name="version"),
    path("proposals/", views.batch_list, name="batches"),
    path("proposals/<int:pk>/", views.batch_detail, name="batch"),
    path("<slug:code>/", views.program_detail, name="detail"),
    path("<slug:code>/edit/", views.program_edit, name="edit"),
    path("<slug:code>/delete/", views.program_delete, name="delete"),
]
