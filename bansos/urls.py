from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import urls as accounts
from households import urls as household_urls
from households.access import public

from . import views
from .health import HealthView

households = [*household_urls.urlpatterns, path("<int:pk>/", views.household_detail, name="detail")]

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        public("signing in")(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("logout/", public("signing out")(auth_views.LogoutView.as_view()), name="logout"),
    *accounts.passwords,
    path("i18n/", include("django.conf.urls.i18n")),  # the language: also before signing in
    path(
        "health/",
        public("monitoring: OK or ERROR to anyone, the details to a token or an administrator")(
            HealthView.as_view()
        ),
        name="health",
    ),
    path("households/", include((households, "households"))),
    path("users/", include((accounts.users, "users"))),
    path("units/", include((accounts.units, "units"))),
    path("regions/", include((accounts.regions, "regions"))),
    path("programs/", include("programs.urls")),
    path("cross-check/", include("dedup.urls")),
    path("complaints/", include("complaints.urls")),
    path("audit/", include("audit.urls")),
    path("verification/", include("verification.urls")),
    path("distribution/", include("distribution.urls")),
    path("admin/", admin.site.urls),
]
