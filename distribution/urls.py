from django.urls import path

from . import views

app_name = "distribution"
urlpatterns = [
    path("", views.list_index, name="lists"),
    path("lists/<int:pk>/", views.list_detail, name="list"),
    path("lists/<int:pk>/annex/", views.decree_annex, name="annex"),
    path("lists/<int:pk>/realisation/", views.realisation_page, name="realisation"),
    path("lists/<int:pk>/payments/", views.list_payments, name="list_payments"),
    path("tranches/<int:pk>/", views.tranche_detail, name="tranche"),
    path("tranches/<int:pk>/payments/", views.payment_list, name="payments"),
    path("tranches/<int:pk>/receipts/<int:desa>/", views.receipts, name="receipts"),
    path("tranches/<int:pk>/results/", views.result_upload, name="result_upload"),
    path("results/<int:pk>/", views.result_detail, name="result"),
    path("results/<int:pk>/lines/<int:number>/", views.result_line, name="result_line"),
    path("failed/", views.failed_payments, name="failed"),
    path("corrections/", views.corrections, name="corrections"),
    path("complaints/<int:pk>/payment/", views.complaint_payment, name="complaint_payment"),
]
