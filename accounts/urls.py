"""The office's set-up, under three names: `users:`, `units:` and `regions:`."""

from django.urls import path

from . import views

users = [
    path("", views.user_list, name="list"),
    path("new/", views.user_edit, name="create"),
    path("<int:pk>/edit/", views.user_edit, name="edit"),
]
units = [
    path("", views.unit_list, name="list"),
    path("<int:pk>/edit/", views.unit_edit, name="edit"),
    path("villages/", views.village_units, name="villages"),
    path("agencies/", views.agencies, name="agencies"),
]
regions = [path("", views.region_list, name="list")]
