from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import identity
from .address import tidy_name


def validate_nik(value: str) -> None:
    check = identity.check_nik(value)
    if check.errors:
        raise ValidationError([p.message for p in check.errors], code=check.errors[0].code)


def validate_no_kk(value: str) -> None:
    check = identity.check_no_kk(value)
    if check.errors:
        raise ValidationError([p.message for p in check.errors], code=check.errors[0].code)


class Region(models.Model):
    """A Kemendagri region: provinsi, kabupaten/kota, kecamatan or desa/kelurahan."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("province")
        REGENCY = 2, _("regency or city")
        DISTRICT = 3, _("sub-district")
        VILLAGE = 4, _("village")

    class Kind(models.TextChoices):
        PROVINSI = "provinsi", _("provinsi")
        KABUPATEN = "kabupaten", _("kabupaten")
        KOTA = "kota", _("kota")
        KECAMATAN = "kecamatan", _("kecamatan")
        DESA = "desa", _("desa")
        KELURAHAN = "kelurahan", _("kelurahan")

    code = models.CharField(_("Kemendagri code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent region"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        if self.kind in (self.Kind.DESA, self.Kind.KELURAHAN):
            return f"{self.get_kind_display().title()} {self.name}"
        return self.name


class Unit(models.Model):
    """Where a non-district user works: one desa/kelurahan, one kecamatan, or one regional
    agency (OPD)."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("village or kelurahan")
        KECAMATAN = "kecamatan", _("kecamatan")
        AGENCY = "agency", _("regional agency (OPD)")

    # The level of the region each kind of unit stands for (an agency stands for none).
    REGION_LEVEL = {Kind.VILLAGE: Region.Level.VILLAGE, Kind.KECAMATAN: Region.Level.DISTRICT}

    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    name = models.CharField(_("name"), max_length=150, unique=True)
    region = models.OneToOneField(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="unit",
        verbose_name=_("region"),
        limit_choices_to={"level__in": [Region.Level.DISTRICT, Region.Level.VILLAGE]},
    )

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["village", "kecamatan"], region__isnull=False)
                | Q(kind="agency", region__isnull=True),
                name="unit_region_fits_its_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        level = self.REGION_LEVEL.get(self.kind)
        if level and (not self.region_id or self.region.level != level):
            message = {
                self.Kind.VILLAGE: _("A village unit needs its desa or kelurahan."),
                self.Kind.KECAMATAN: _("A kecamatan unit needs its kecamatan."),
            }[self.kind]
            raise ValidationError({"region": message})
        if self.kind == self.Kind.AGENCY and self.region_id:
            raise ValidationError({"region": _("An agency is not tied to one village.")})


class BansosUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # Whoever sets up the office with createsuperuser is its administrator.
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", _("administrator")
        STAFF = "staff", _("Dinsos staff")
        HEAD = "head", _("head of Dinsos")
        VILLAGE = "village", _("village operator")
        AGENCY = "agency", _("agency (OPD) operator")
        DESK = "desk", _("complaint desk")
        KECAMATAN = "kecamatan", _("kecamatan staff (TKSK)")

    DISTRICT_ROLES = frozenset({Role.ADMIN, Role.STAFF, Role.HEAD, Role.DESK})
    # The accounts Dinsos staff may create and manage; the rest are an administrator's.
    OPERATOR_ROLES = frozenset({Role.VILLAGE, Role.AGENCY, Role.DESK, Role.KECAMATAN})
    # Who may see a full NIK or No. KK on a detail page; every reveal is logged.
    REVEAL_ROLES = frozenset({Role.ADMIN, Role.STAFF, Role.HEAD, Role.VILLAGE})
    UNIT_KIND = {
        Role.VILLAGE: Unit.Kind.VILLAGE,
        Role.AGENCY: Unit.Kind.AGENCY,
        Role.KECAMATAN: Unit.Kind.KECAMATAN,
    }

    role = models.CharField(_("role"), max_length=10, choices=Role)
    unit = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("unit")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    must_change_password = models.BooleanField(
        _("must choose a new password at the next sign-in"),
        default=False,
        help_text=_("Set with a one-time password; cleared when the user chooses their own."),
    )
    two_factor = models.BooleanField(
        _("two-factor sign-in"),
        default=False,
        help_text=_("A code from an authenticator app after the password."),
    )
    objects = BansosUserManager()
    # Who changed a role, a unit, the active flag, when: not the password's hash, and not the
    # time of each sign-in (the audit has those).
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self) -> None:
        super().clean()
        kind = self.UNIT_KIND.get(self.role)
        if kind and (self.unit is None or self.unit.kind != kind):
            raise ValidationError(
                {
                    "unit": _("A %(role)s needs a unit of kind %(kind)s.")
                    % {"role": self.get_role_display(), "kind": Unit.Kind(kind).label}
                }
            )
        if not kind and self.unit_id:
            raise ValidationError({"unit": _("District roles work for the whole district.")})

    def __str__(self) -> str:
        """A person by name, as the files and the decree's annex name them; else the login."""
        return self.get_full_name() or self.username

    @property
    def sees_district(self) -> bool:
        return self.role in self.DISTRICT_ROLES

    @property
    def sees_all_proposals(self) -> bool:
        """District roles that work on proposals; the complaint desk does not."""
        return self.role in (self.Role.ADMIN, self.Role.STAFF, self.Role.HEAD)

    @property
    def proposes(self) -> bool:
        """A village or agency operator, who sees only their own unit's proposals."""
        return bool(self.unit_id) and self.role in (self.Role.VILLAGE, self.Role.AGENCY)

    @property
    def takes_proposal_files(self) -> bool:
        """The files of proposal rows (full NIK and No. KK): operators for their own unit, the
        district roles for all; kecamatan staff read proposals masked, never the files."""
        return self.proposes or self.sees_all_proposals

    @property
    def watches_kecamatan(self) -> bool:
        """Kecamatan staff: every desa of their kecamatan, read only, and nothing outside it."""
        return bool(self.unit_id) and self.role == self.Role.KECAMATAN

    @property
    def can_reveal_ids(self) -> bool:
        return self.role in self.REVEAL_ROLES

    @property
    def handles_complaints(self) -> bool:
        """The complaint desk, and administrators: every complaint, with who complained."""
        return self.role in (self.Role.ADMIN, self.Role.DESK)

    @property
    def can_manage(self) -> bool:
        """Manage users, units and programmes."""
        return self.role in (self.Role.ADMIN, self.Role.STAFF)

    def may_grant(self, role: str) -> bool:
        """Staff create and change the operators' and the desk's accounts; only an
        administrator gives a district role."""
        return self.role == self.Role.ADMIN or (self.can_manage and role in self.OPERATOR_ROLES)

    def may_edit(self, account: User) -> bool:
        """Staff manage operators and the desk; only an administrator touches district
        accounts, so nobody can make themselves the head who approves the lists they
        prepared."""
        return self.may_grant(account.role)

    @property
    def two_factor_required(self) -> bool:
        """Must set up two-factor sign-in before anything else (TWO_FACTOR_REQUIRED_ROLES)."""
        return self.role in settings.TWO_FACTOR_REQUIRED_ROLES

    @property
    def two_factor_offered(self) -> bool:
        return self.two_factor_required or self.role in settings.TWO_FACTOR_OPTIONAL_ROLES

    @property
    def can_edit_households(self) -> bool:
        return self.role in (self.Role.ADMIN, self.Role.STAFF, self.Role.VILLAGE)


class HouseholdQuerySet(models.QuerySet):
    def for_user(self, user) -> HouseholdQuerySet:
        if user.sees_district:
            return self
        if user.role == User.Role.VILLAGE and user.unit_id:
            return self.filter(desa__unit__id=user.unit_id)
        if user.watches_kecamatan:  # the kecamatan's own unit stands for its region
            return self.filter(desa__parent__unit__id=user.unit_id)
        if user.role == User.Role.AGENCY and user.unit_id:
            # An agency sees the families it proposed, wherever they live.
            return self.filter(proposal_rows__batch__unit_id=user.unit_id).distinct()
        return self.none()

    def search(self, query: str) -> HouseholdQuerySet:
        """A 16-digit NIK or No. KK (head or member), else the head's name, any case or spacing."""
        digits = "".join(ch for ch in query if ch.isdigit())
        if digits and len(digits) == len(query.replace(" ", "")):
            # Only the whole number: matching a prefix would let a user who may not see full
            # numbers work one out digit by digit.
            if len(digits) != 16:
                return self.none()
            return self.filter(
                Q(no_kk=digits) | Q(head_nik=digits) | Q(members__nik=digits)
            ).distinct()
        folded = tidy_name(query)
        return self.filter(head_name_folded__contains=folded) if folded else self


class Household(models.Model):
    """A family (KK) described by its head. The No. KK changes when a family splits or moves,
    so it is a matching signal, never the household's key."""

    class Sex(models.TextChoices):
        MALE = "L", _("male")
        FEMALE = "P", _("female")

    class Status(models.TextChoices):
        ACTIVE = "active", _("lives here")
        DIED = "died", _("head of household died")
        MOVED = "moved", _("moved away")

    no_kk = models.CharField(_("No. KK"), max_length=16, db_index=True, validators=[validate_no_kk])
    head_nik = models.CharField(
        _("NIK of head"),
        max_length=16,
        unique=True,
        validators=[validate_nik],
        error_messages={"unique": _("This NIK is already the head of another household.")},
    )
    head_name = models.CharField(_("name of head"), max_length=150)
    head_name_folded = models.CharField(max_length=150, db_index=True, editable=False)
    head_sex = models.CharField(_("sex"), max_length=1, choices=Sex, blank=True)
    head_birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    address = models.CharField(_("address (street, dusun)"), max_length=255)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    desa = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="households",
        verbose_name=_("desa or kelurahan"),
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    status = models.CharField(_("status"), max_length=6, choices=Status, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["head_name_folded", "updated_at"])
    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["head_name_folded", "pk"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.head_name} (No. KK {identity.mask_id(self.no_kk)})"

    def save(self, *args, **kwargs) -> None:
        self.head_name_folded = tidy_name(self.head_name)
        if kwargs.get("update_fields") and "head_name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "head_name_folded"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.desa_id and self.desa.level != Region.Level.VILLAGE:
            raise ValidationError({"desa": _("Choose a desa or kelurahan.")})

    @property
    def nik_warnings(self) -> list[str]:
        return [p.message for p in identity.check_nik(self.head_nik).warnings]


class Member(models.Model):
    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("husband or wife")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        OTHER = "other", _("other family")

    class Status(models.TextChoices):
        LIVING = "living", _("lives in the family")
        DIED = "died", _("died")
        MOVED = "moved", _("moved out")

    household = models.ForeignKey(
        Household, models.CASCADE, related_name="members", verbose_name=_("household")
    )
    nik = models.CharField(_("NIK"), max_length=16, blank=True, validators=[validate_nik])
    name = models.CharField(_("name"), max_length=150)
    sex = models.CharField(_("sex"), max_length=1, choices=Household.Sex, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    relation = models.CharField(_("relation to head"), max_length=10, choices=Relation)
    status = models.CharField(_("status"), max_length=6, choices=Status, default=Status.LIVING)
    history = HistoricalRecords()

    class Meta:
        ordering = ["household", "pk"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        indexes = [models.Index(fields=["nik"])]

    def __str__(self) -> str:
        return self.name


class IdReveal(models.Model):
    """Who saw a full NIK or No. KK, of which household, when (UU 27/2022 asks an office that
    matches data sets to account for access to identity numbers)."""

    class Field(models.TextChoices):
        NO_KK = "no_kk", _("No. KK")
        NIK = "nik", _("NIK")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, models.PROTECT, related_name="reveals")
    field = models.CharField(max_length=8, choices=Field)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("identity number shown")
        verbose_name_plural = _("identity numbers shown")

    def __str__(self) -> str:
        return f"{self.user_id} {self.field} {self.household_id}"


class Download(models.Model):
    """A file of personal data taken out of the app: who, when, what, how many rows, and why
    (the purpose typed, or the one the kind of file serves). The audit page lists them with the
    list exports, reveals and sign-ins."""

    class Kind(models.TextChoices):
        REJECTED_ROWS = "rejected", _("rows to fix")
        CROSS_CHECK = "cross_check", _("cross-check result")
        JPS_RETURNED = "jps_returned", _("JPS families to correct")
        ATTACHMENT = "attachment", _("complaint attachment")
        ACCOUNTS = "accounts", _("accounts to fix")
        AUDIT = "audit", _("audit trail")
        ROSTER_CHANGES = "roster_chg", _("roster changes")
        PAYMENTS = "payments", _("payment file")
        DECREE = "decree", _("decree annex")

    # What each kind of file is for, when nobody typed a purpose.
    PURPOSES = {
        Kind.REJECTED_ROWS: _("fixing the rows and uploading them again"),
        Kind.CROSS_CHECK: _("reviewing the cross-check"),
        Kind.JPS_RETURNED: _("correcting the returned families"),
        Kind.ATTACHMENT: _("handling the complaint"),
        Kind.ACCOUNTS: _("fixing the rows and uploading them again"),
        Kind.AUDIT: _("inspection"),
        Kind.ROSTER_CHANGES: _("checking the families a roster changed"),
        Kind.PAYMENTS: _("paying the tranche through its channel"),
        Kind.DECREE: _("the decree's annex"),
    }

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    label = models.CharField(_("what"), max_length=255)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("personal data download")
        verbose_name_plural = _("personal data downloads")

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.label}"

    @classmethod
    def record(cls, user, kind: str, label: str, rows: int | None = None, purpose: str = ""):
        return cls.objects.create(
            user=user,
            kind=kind,
            label=str(label)[:255],
            rows=rows,
            purpose=purpose or str(cls.PURPOSES[kind]),
        )
