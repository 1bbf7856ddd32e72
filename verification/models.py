from django.db import models
from django.utils.translation import gettext_lazy as _

from households.models import Region
from programs.models import RosterRow, RosterVersion


class RosterChange(models.Model):
    """A family that joined or left a roster, or whose desil, head or desa changed, between a
    version and the one it replaced (dedup/engine/changes.py)."""

    class Kind(models.TextChoices):
        JOINED = "joined", _("joined")
        LEFT = "left", _("left")
        DESIL = "desil", _("desil changed")
        HEAD = "head", _("head changed")
        MOVED = "moved", _("moved to another desa")

    version = models.ForeignKey(
        RosterVersion, models.CASCADE, related_name="changes", verbose_name=_("version")
    )
    replaced = models.ForeignKey(
        RosterVersion, models.CASCADE, related_name="+", verbose_name=_("compared with")
    )
    kind = models.CharField(_("change"), max_length=8, choices=Kind)
    # Roster rows live in the version's partition (no foreign key constraint reaches them).
    old_row = models.ForeignKey(
        RosterRow, models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    new_row = models.ForeignKey(
        RosterRow, models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    # Where the family is now (where it was, for one that left): what the counts group by.
    desa = models.ForeignKey(Region, models.PROTECT, null=True, related_name="+")
    before = models.CharField(_("before"), max_length=40, blank=True)
    after = models.CharField(_("after"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("roster change")
        verbose_name_plural = _("roster changes")
        indexes = [models.Index(fields=["version", "kind", "desa"])]

    def __str__(self) -> str:
        return f"{self.version_id} {self.kind}"
