from django.urls import path

from . import views

app_name = "households"
# The family's page ("households:detail") is added by bansos/urls.py: it shows what the apps
# above this one know of the family.
urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_edit, name="create"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/delete/", views.household_delete, name="delete"),
    path("<int:pk>/reveal/<str:field>/", views.household_reveal, name="reveal"),
    path("<int:pk>/members/new/", views.member_edit, name="member_create"),
    path("<int:pk>/members/<int:member>/edit/", views.member_edit, name="member_edit"),
]
