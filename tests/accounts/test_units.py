"""Every village's unit in one action, and agencies from a list: the office is set up in
minutes, and doing it twice changes nothing."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.units import add_agencies, create_village_units
from households.models import Region, Unit


@pytest.fixture
def more_villages(regions):
    """Two desa named alike in two kecamatan, as Purworejo has 23 names twice."""
    kec_a = regions["desa_a"].parent
    kec_b = regions["desa_b"].parent
    return [
        Region.objects.create(
            code="33.06.06.2002", name="Kaliboto", level=4, kind="desa", parent=kec_a
        ),
        Region.objects.create(
            code="33.06.01.2003", name="Kaliboto", level=4, kind="desa", parent=kec_b
        ),
        Region.objects.create(
            code="33.06.01.2004", name="Grabag", level=4, kind="desa", parent=kec_b
        ),
    ]


def test_each_loaded_village_gets_one_unit_named_as_kemendagri_names_it(regions, more_villages):
    with translation.override("id"):
        made = create_village_units()
    assert len(made) == 5
    names = {u.region.code: u.name for u in Unit.objects.select_related("region")}
    assert names["33.06.06.1001"] == "Kelurahan Sindurjan"
    assert names["33.06.01.2001"] == "Desa Harjobinangun"
    # The same name in two kecamatan: each says which.
    assert names["33.06.06.2002"] == "Desa Kaliboto (Kec. Purworejo)"
    assert names["33.06.01.2003"] == "Desa Kaliboto (Kec. Grabag)"
    assert all(u.kind == Unit.Kind.VILLAGE for u in Unit.objects.all())


def test_running_it_again_adds_only_what_is_missing(regions, units, more_villages):
    before = {u.pk: u.name for u in Unit.objects.all()}
    made = create_village_units()
    assert sorted(u.region.name for u in made) == ["Grabag", "Kaliboto", "Kaliboto"]
    assert create_village_units() == []
    after = {u.pk: u.name for u in Unit.objects.all()}
    assert {pk: after[pk] for pk in before} == before  # the units typed by hand kept their names
    assert Unit.objects.filter(kind="village").count() == 5


def test_a_name_already_taken_by_an_agency_is_told_apart_by_its_kecamatan(regions, more_villages):
    Unit.objects.create(kind="agency", name="Desa Grabag")
    create_village_units()
    assert Unit.objects.get(region=more_villages[2]).name == "Desa Grabag (Kec. Grabag)"


def test_agencies_from_a_pasted_column_once_each(units):
    added, kept = add_agencies(
        ["Dinas Kesehatan", "", "  dinas   kesehatan ", "DINAS PERHUBUNGAN", "Bappeda  "]
    )
    assert added == ["Dinas Kesehatan", "Bappeda"]
    assert kept == ["Dinas Perhubungan"]
    assert Unit.objects.filter(kind="agency").count() == 3


def test_staff_add_the_villages_units_from_the_units_page(login, users, more_villages):
    client = login(users["staff"])
    page = client.get(reverse("units:list"))
    # 3 desa and Grabag (the fixture's villages and Purworejo have their units).
    assert "4 desa, kelurahan dan kecamatan yang dimuat belum" in page.content.decode()
    done = client.post(reverse("units:villages"), follow=True)
    text = done.content.decode()
    assert "4 unit ditambahkan" in text
    assert "Setiap desa, kelurahan dan kecamatan yang dimuat sudah memiliki unit." in text
    again = client.post(reverse("units:villages"), follow=True)
    assert Unit.objects.filter(kind="village").count() == 5
    assert sorted(Unit.objects.filter(kind="kecamatan").values_list("name", flat=True)) == [
        "Kecamatan Grabag",
        "Kecamatan Purworejo",
    ]
    assert again.status_code == 200


def test_staff_paste_agencies_and_see_how_many_were_new(login, users):
    client = login(users["staff"])
    done = client.post(
        reverse("units:agencies"),
        {"names": "Dinas Kesehatan\nDinas Perhubungan\n\nBappeda\n"},
        follow=True,
    )
    assert "OPD ditambahkan: 2. Sudah ada: 1." in done.content.decode()
    refused = client.post(reverse("units:agencies"), {"names": "x" * 151})
    assert refused.status_code == 200
    assert Unit.objects.filter(kind="agency").count() == 3


def test_operators_may_not_add_units(login, users, more_villages):
    response = login(users["village"]).post(reverse("units:villages"))
    assert response.status_code == 403
    assert not Unit.objects.filter(region__in=more_villages).exists()
