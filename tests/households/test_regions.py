"""Loading a district's official regions, from the command line and from the browser."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from households.models import Region

pytestmark = pytest.mark.django_db


def test_command_loads_purworejo_with_its_real_codes_and_can_run_twice(capsys):
    call_command("load_regions", "33.06")
    call_command("load_regions", "33.06")
    district = Region.objects.get(code="33.06")
    assert district.name == "Kabupaten Purworejo" and district.parent.code == "33"
    assert district.children.count() == 16
    villages = Region.objects.filter(level=4, code__startswith="33.06.")
    assert villages.count() == 494
    # The fourth segment tells a kelurahan (1xxx) from a desa (2xxx).
    assert {v.kind for v in villages if v.code.split(".")[3].startswith("1")} == {"kelurahan"}
    assert {v.kind for v in villages if v.code.split(".")[3].startswith("2")} == {"desa"}
    assert "16 kecamatan, 494 desa/kelurahan" in capsys.readouterr().out


def test_command_refuses_a_code_that_is_not_a_district():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a kabupaten/kota code"):
        call_command("load_regions", "33.06.01")


def test_staff_loads_a_district_from_the_browser(login, users, django_capture_on_commit_callbacks):
    client = login(users["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("regions:list"), {"code": "3307"})
    assert response.status_code == 302
    page = client.get(reverse("regions:list"))
    row = next(d for d in page.context["districts"] if d.code == "33.07")
    assert (row.name, row.n_kecamatan) == ("Kabupaten Wonosobo", 15)


def test_a_wrong_district_code_is_explained(login, users):
    response = login(users["staff"]).post(reverse("regions:list"), {"code": "99.99"})
    assert "99.99 bukan kode kabupaten atau kota" in response.content.decode()


def test_village_operator_cannot_load_regions(login, users):
    response = login(users["village"]).post(reverse("regions:list"), {"code": "33.07"})
    assert response.status_code == 403
    assert not Region.objects.filter(code="33.07").exists()
