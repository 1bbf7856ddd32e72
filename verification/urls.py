from django.urls import path

from . import screening_views, views, visit_views

app_name = "verification"
urlpatterns = [
    path("rosters/<int:pk>/changes/", views.roster_changes, name="roster_changes"),
    path("rosters/<int:pk>/changes/list/", views.roster_change_list, name="roster_change_list"),
    path("rosters/<int:pk>/changes.xlsx", views.roster_changes_xlsx, name="roster_changes_xlsx"),
    path("rounds/<int:pk>/screening/", screening_views.round_screening, name="screening"),
    path(
        "rounds/<int:pk>/screening/start/",
        screening_views.screening_start,
        name="screening_start",
    ),
    path("rounds/<int:pk>/flags/", screening_views.round_flags, name="round_flags"),
    path("hits/<int:pk>/decide/", screening_views.hit_decide, name="hit_decide"),
    path("cycles/", visit_views.cycle_list, name="cycles"),
    path("cycles/<int:pk>/", visit_views.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/add/", visit_views.cycle_add, name="cycle_add"),
    path("cycles/<int:pk>/close/", visit_views.cycle_close, name="cycle_close"),
    path("cycles/<int:pk>/map/", visit_views.cycle_map, name="cycle_map"),
    path("visits/<int:pk>/", visit_views.task_detail, name="task"),
    path("visits/<int:pk>/check/", visit_views.task_check, name="task_check"),
    path("visits/<int:pk>/photo/<str:which>/", visit_views.task_photo, name="task_photo"),
]
