from django.urls import path

from programs.intake import views
from programs.rounds import correction_views, dashboard_views
from programs.rounds import views as round_views

app_name = "programs"
urlpatterns = [
    path("", views.program_list, name="list"),
    path("new/", views.program_edit, name="create"),
    path("rosters/<int:pk>/", views.version_detail, name="version"),
    path("proposals/", views.batch_list, name="batches"),
    path("proposals/new/", views.batch_create, name="batch_create"),
    path("proposals/template.xlsx", views.template_download, name="template"),
    path("proposals/combined/", views.combined_upload, name="combined"),
    path("proposals/<int:pk>/", views.batch_detail, name="batch"),
    path("proposals/<int:pk>/upload/", views.batch_upload, name="batch_upload"),
    path("proposals/<int:pk>/submit/", views.batch_submit, name="batch_submit"),
    path("proposals/<int:pk>/rejected.xlsx", views.batch_rejected, name="batch_rejected"),
    path("proposals/<int:pk>/rows/<int:row>/delete/", views.row_delete, name="row_delete"),
    path("rounds/", round_views.round_list, name="rounds"),
    path("rounds/<int:pk>/", round_views.round_detail, name="round"),
    path("rounds/<int:pk>/edit/", round_views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/left-out/", round_views.round_left_out, name="round_left_out"),
    path("rounds/<int:pk>/override/", round_views.round_override, name="round_override"),
    path("rounds/<int:pk>/save/", round_views.round_save, name="round_save"),
    path("rounds/<int:pk>/revalidate/", round_views.round_revalidate, name="round_revalidate"),
    path("rounds/<int:pk>/lists/", round_views.list_prepare, name="list_prepare"),
    path("rounds/<int:pk>/families/", round_views.round_families, name="round_families"),
    path("rounds/<int:pk>/dashboard/", dashboard_views.round_dashboard, name="round_dashboard"),
    path("returned/", correction_views.returned_list, name="returned"),
    path("returned.xlsx", correction_views.returned_download, name="returned_download"),
    path("returned/upload/", correction_views.returned_upload, name="returned_upload"),
    path("allocations/<int:pk>/correct/", correction_views.allocation_correct, name="correct"),
    path("allocations/<int:pk>/move/", round_views.allocation_move, name="allocation_move"),
    path("lists/<int:pk>/", round_views.list_detail, name="list"),
    path("lists/<int:pk>/approve/", round_views.list_approve, name="list_approve"),
    path("lists/<int:pk>/export/", round_views.list_export, name="list_export"),
    path("lists/<int:pk>/notice/", round_views.list_notice, name="list_notice"),
    path("uploads/<int:pk>/", views.upload_detail, name="upload"),
    path("uploads/<int:pk>/confirm/", views.upload_confirm, name="upload_confirm"),
    path("uploads/<int:pk>/cancel/", views.upload_cancel, name="upload_cancel"),
    path("uploads/<int:pk>/problems.csv", views.upload_problems, name="upload_problems"),
    path("uploads/<int:pk>/rejected.xlsx", views.upload_rejected, name="upload_rejected"),
    path("<slug:code>/", views.program_detail, name="detail"),
    path("<slug:code>/edit/", views.program_edit, name="edit"),
    path("<slug:code>/delete/", views.program_delete, name="delete"),
    path("<slug:code>/import/", views.roster_import, name="roster_import"),
]
