from django.urls import path

from . import views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/slip/", views.complaint_slip, name="slip"),
    path("<int:pk>/move/", views.complaint_move, name="move"),
    path("<int:pk>/answer/", views.complaint_answer, name="answer"),
    path("<int:pk>/propose/", views.complaint_propose, name="propose"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("report/", views.report, name="report"),
    path("categories/", views.categories, name="categories"),
    path("status/", views.public_status, name="status"),
]
