"""The office's set-up, under three names (`users:`, `units:` and `regions:`), and everyone's
password pages under Django's own names."""

from django.contrib.auth import views as auth_views
from django.urls import path

from households.access import public, role_required, signed_in

from . import import_views, two_factor_views, views

users = [
    path("", views.user_list, name="list"),
    path("new/", views.user_edit, name="create"),
    path("<int:pk>/edit/", views.user_edit, name="edit"),
    path("<int:pk>/password/", views.user_password, name="password"),
    path("<int:pk>/two-factor/reset/", two_factor_views.reset, name="two_factor_reset"),
    path("import/", import_views.account_imports, name="imports"),
    path("import/template.xlsx", import_views.account_template, name="template"),
    path("import/<int:pk>/", import_views.account_import, name="import"),
    path("import/<int:pk>/fix.xlsx", import_views.account_import_rejected, name="import_rejected"),
    path(
        "import/<int:pk>/problems.csv", import_views.account_import_problems, name="import_problems"
    ),
]
units = [
    path("", views.unit_list, name="list"),
    path("<int:pk>/edit/", views.unit_edit, name="edit"),
    path("villages/", views.village_units, name="villages"),
    path("agencies/", views.agencies, name="agencies"),
]
regions = [path("", views.region_list, name="list")]

RESET = "a forgotten password: a link by e-mail, valid for PASSWORD_RESET_HOURS"
passwords = [
    path(
        "password/",
        role_required(signed_in)(views.PasswordChange.as_view()),
        name="password_change",
    ),
    path(
        "password/done/",
        role_required(signed_in)(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("security/", two_factor_views.security, name="two_factor_security"),
    path("security/verify/", two_factor_views.verify, name="two_factor_verify"),
    path("security/set-up/", two_factor_views.setup, name="two_factor_setup"),
    path("security/recovery-codes/", two_factor_views.recovery_codes, name="recovery_codes"),
    path("security/off/", two_factor_views.switch_off, name="two_factor_off"),
    path(
        "password/reset/",
        public(RESET)(auth_views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        public(RESET)(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        public(RESET)(views.PasswordResetConfirm.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        public(RESET)(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]
