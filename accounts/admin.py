from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

# django-otp registers its devices in the admin, where a superuser could read another
# person's authenticator key or recovery codes without a line in their history. Two-factor
# sign-in is managed on the app's own pages (set up by its owner, reset by an administrator).
for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
