"""One family record: a roster's row, a proposal's row and an approved list's entry define the
family's fields once (programs.models.FamilyRecord) and differ only where a roster keeps checked
16-digit numbers."""

from dedup.pipeline import FIELDS, _record
from programs.models import FamilyRecord, ListEntry, ProposalRow, RosterRow


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


def test_the_cross_check_reads_each_field_of_a_row_into_its_place():
    # The matcher's records are made positionally from FIELDS: each value lands where it belongs.
    row = {name: f"<{name}>" for name in FIELDS} | {
        "nik": "3306011203800001", "no_kk": "3306010101200001", "desa_id": 7,
    }  # fmt: skip
    record = _record("USULAN:1", [row[name] for name in FIELDS])
    assert (record.nik, record.no_kk, record.desa) == ("3306011203800001", "3306010101200001", "7")
    for name in ("name", "sex", "birth_date", "mother_name", "address", "rt", "rw"):
        assert getattr(record, name) == f"<{name}>", name
    assert set(FIELDS) == {"id", *FamilyRecord.FAMILY_FIELDS, "mother_name"}
