"""One family record: a roster's row, a proposal's row and an approved list's entry define the
family's fields once (programs.models.FamilyRecord) and differ only where a roster keeps checked
16-digit numbers."""

from django.db import models

from dedup.pipeline import FIELDS
from programs.models import FamilyRecord, ListEntry, ProposalRow, RosterRow, SourceFamily


def definition(model, name: str):
    field = model._meta.get_field(name.removesuffix("_id"))
    _name, _path, args, kwargs = field.deconstruct()
    return args, kwargs


def test_the_family_fields_are_defined_once_and_differ_only_where_a_roster_checks_numbers():
    for name in FamilyRecord.FAMILY_FIELDS:
        on_list = definition(ListEntry, name)
        assert definition(ProposalRow, name) == on_list, name
        if name in ("nik", "no_kk"):
            assert definition(RosterRow, name)[1]["max_length"] == 16
        else:
            assert definition(RosterRow, name) == on_list, name
    assert definition(RosterRow, "mother_name") == definition(ProposalRow, "mother_name")
    assert not any(f.name == "mother_name" for f in ListEntry._meta.get_fields())


def test_the_cross_check_reads_every_field_a_file_brings():
    assert FIELDS == ("id", *SourceFamily.MATCHED_FIELDS)
    assert set(SourceFamily.MATCHED_FIELDS) == {*FamilyRecord.FAMILY_FIELDS, "mother_name"}
    assert all(
        isinstance(ProposalRow._meta.get_field(n.removesuffix("_id")), models.Field)
        for n in SourceFamily.MATCHED_FIELDS
    )
