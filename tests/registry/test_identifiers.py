"""Tests for registry.identifiers: the vectors of spec/registry.md and more."""

from __future__ import annotations

import dataclasses
import datetime
import pickle
import re

import pytest

from registry.identifiers import (
    ERROR_MESSAGES,
    UNIT_NUMBER_PATTERN,
    UNIT_NUMBER_RE,
    USCC_ALPHABET,
    IdentifierError,
    UnitNumber,
    id_hmac,
    make_resident_id,
    make_uscc,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_phone,
    normalize_service_phone,
    normalize_unit_number,
    validate_certificate_no,
    validate_resident_id,
    validate_unit_number,
    validate_uscc,
)

TODAY = datetime.date(2025, 6, 1)


# ============================================================== unit numbers

SPEC_VALID_UNIT_NUMBERS = [
    ("370212001002GB00123F00050302", "370212001002GB00123F00050302"),
    ("340123002004GB00011W00000000", "340123002004GB00011W00000000"),
    ("340123 002004 GB00011 F00010001", "340123002004GB00011F00010001"),
]

MORE_VALID_UNIT_NUMBERS = [
    # lower case is upper-cased
    ("370212001002gb00123f00050302", "370212001002GB00123F00050302"),
    # full-width digits and letters (NFKC)
    ("３７０２１２００１００２ＧＢ００１２３Ｆ００050302", "370212001002GB00123F00050302"),
    # ideographic space, tabs, newlines, leading/trailing blanks
    ("\t370212\u3000001002 GB00123\nF00050302 ", "370212001002GB00123F00050302"),
    # collective land, homestead
    ("370212001002JC00007F00010001", "370212001002JC00007F00010001"),
    # undetermined ownership, underground construction land
    ("370212001002ZX00001Q00000001", "370212001002ZX00001Q00000001"),
    # forest fixture with building part 0000 is fine (only F needs a building)
    ("370212001002GE00001L00000003", "370212001002GE00001L00000003"),
    # sea area (H) and uninhabited island (G) may use zone/sub-zone 000
    ("370212000000GH00001W00000000", "370212000000GH00001W00000000"),
    ("370212000000GG00001Q00010001", "370212000000GG00001Q00010001"),
    ("370212000001GH00002W00000000", "370212000001GH00002W00000000"),
    # disputed (W) parcels may be sea areas as well
    ("370212000000ZW00003W00000000", "370212000000ZW00003W00000000"),
    # sea parcels are not forced to 000
    ("370212001002GH00001W00000000", "370212001002GH00001W00000000"),
    # every parcel-kind letter is accepted
    *[
        (f"370212001002G{kind}00001W00000000", f"370212001002G{kind}00001W00000000")
        for kind in "ABSXCDEFGHWY"
    ],
]


@pytest.mark.parametrize(("raw", "expected"), SPEC_VALID_UNIT_NUMBERS + MORE_VALID_UNIT_NUMBERS)
def test_valid_unit_numbers(raw: str, expected: str) -> None:
    # when
    unit = validate_unit_number(raw)

    # then
    assert unit.value == expected
    assert len(unit.value) == 28
    assert UNIT_NUMBER_RE.fullmatch(unit.value)


SPEC_INVALID_UNIT_NUMBERS = [
    ("340123002004XB00011F00010001", "unit_number_format"),
    ("340123002004GB00011W00010001", "unit_number_fixture"),
    ("340123002004GB00000F00010001", "unit_number_parcel"),
]

MORE_INVALID_UNIT_NUMBERS = [
    ("", "unit_number_format"),
    ("   ", "unit_number_format"),
    ("370212001002GB00123F0005030", "unit_number_format"),  # 27 chars
    ("370212001002GB00123F000503021", "unit_number_format"),  # 29 chars
    ("370212001002GI00123F00050302", "unit_number_format"),  # I is no parcel kind
    ("370212001002GB00123K00050302", "unit_number_format"),  # K is no fixture kind
    ("37021200100AGB00123F00050302", "unit_number_format"),  # letter in zone
    ("370212001002GB0012AF00050302", "unit_number_format"),  # letter in sequence
    ("370212001002GB00123F0005030X", "unit_number_format"),  # letter in household
    ("370212-001002-GB00123-F00050302", "unit_number_format"),  # dashes are not dropped
    ("370212001002GB00123F0005030\u0663", "unit_number_format"),  # Arabic-Indic digit
    ("370212000002GB00123F00050302", "unit_number_zone"),  # zone 000 on land
    ("370212001000GB00123F00050302", "unit_number_zone"),  # sub-zone 000 on land
    ("370212000000JC00001F00010001", "unit_number_zone"),
    ("370212000000GH00000W00000000", "unit_number_parcel"),  # sea, sequence 00000
    ("370212001002GB00123W00000001", "unit_number_fixture"),  # W with household
    ("370212001002GB00123W10000000", "unit_number_fixture"),  # W with building
    ("370212001002GB00123F00000302", "unit_number_fixture"),  # F with building 0000
    ("370212001002GB00123F00000000", "unit_number_fixture"),
]


@pytest.mark.parametrize(("raw", "code"), SPEC_INVALID_UNIT_NUMBERS + MORE_INVALID_UNIT_NUMBERS)
def test_invalid_unit_numbers(raw: str, code: str) -> None:
    with pytest.raises(IdentifierError) as excinfo:
        validate_unit_number(raw)

    assert excinfo.value.code == code
    assert excinfo.value.message == ERROR_MESSAGES[code]


def test_unit_number_parts() -> None:
    # given
    raw = "370212001002GB00123F00050302"

    # when
    unit = validate_unit_number(raw)

    # then
    assert unit == UnitNumber(
        value=raw,
        parcel_code="370212001002GB00123",
        zone="001002",
        fixture_kind="F",
        building_no="0005",
        household_no="0302",
        warnings=(),
    )
    assert unit.county_code == "370212"
    assert unit.cadastral_zone == "001"
    assert unit.cadastral_subzone == "002"
    assert unit.ownership_kind == "G"
    assert unit.parcel_kind == "B"
    assert unit.parcel_sequence == "00123"
    assert str(unit) == raw


def test_unit_number_is_frozen() -> None:
    unit = validate_unit_number("370212001002GB00123F00050302")

    with pytest.raises(dataclasses.FrozenInstanceError):
        unit.value = "x"  # type: ignore[misc]


def test_household_zero_is_a_warning_not_an_error() -> None:
    # when: a whole building (幢) as a unit
    unit = validate_unit_number("370212001002GB00123F00050000")

    # then
    assert unit.household_no == "0000"
    assert unit.warnings == ("household_zero",)


@pytest.mark.parametrize("raw", ["370212001002GB00123L00010000", "370212001002GB00123Q00000000"])
def test_household_zero_warning_for_other_fixtures(raw: str) -> None:
    assert validate_unit_number(raw).warnings == ("household_zero",)


def test_land_only_unit_has_no_household_warning() -> None:
    # fixture W requires the zeros, so they are no cause for a warning
    assert validate_unit_number("340123002004GB00011W00000000").warnings == ()


def test_normalize_unit_number() -> None:
    assert normalize_unit_number(" 3702１２ 001002 gb00123 f00050302 ") == "370212001002GB00123F00050302"


def test_unit_number_non_string_is_a_format_error() -> None:
    with pytest.raises(IdentifierError) as excinfo:
        validate_unit_number(None)  # type: ignore[arg-type]

    assert excinfo.value.code == "unit_number_format"


def test_unit_number_pattern_is_posix_friendly() -> None:
    # PostgreSQL's ~ uses POSIX regexes: no \d, anchored at both ends
    assert "\\d" not in UNIT_NUMBER_PATTERN
    assert UNIT_NUMBER_PATTERN.startswith("^")
    assert UNIT_NUMBER_PATTERN.endswith("$")
    assert re.fullmatch(UNIT_NUMBER_PATTERN, "370212001002GB00123F00050302")
    assert not re.fullmatch(UNIT_NUMBER_PATTERN, "340123002004XB00011F00010001")


def test_unit_number_re_rejects_unicode_digits() -> None:
    # the normaliser turns full-width digits into ASCII, but the regex itself
    # must not accept non-ASCII digits (it guards the database too)
    assert UNIT_NUMBER_RE.fullmatch("３７0212001002GB00123F00050302") is None


# ============================================================== resident ID

SPEC_VALID_RESIDENT_IDS = [
    ("11010519491231002X", "11010519491231002X"),
    ("440524188001010014", "440524188001010014"),  # born 1880
    ("810000199001010019", "810000199001010019"),  # Hong Kong residence permit
]

MORE_VALID_RESIDENT_IDS = [
    ("11010519491231002x", "11010519491231002X"),  # lower-case x
    (" 11010519491231002X ", "11010519491231002X"),
    ("110105 19491231 002X", "11010519491231002X"),
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full width
    ("370202199001010066", "370202199001010066"),  # spec feed example
    ("370202199001010015", "370202199001010015"),  # spec feed example
    ("820000198511110025", "820000198511110025"),  # Macau residence permit
    ("830000197707070034", "830000197707070034"),  # Taiwan residence permit
    ("93310019800101001X", "93310019800101001X"),  # foreigner's permanent residence
    ("370205196606060045", "370205196606060045"),  # retired county code (四方区)
    ("370202200002290018", "370202200002290018"),  # 29 Feb 2000 (leap)
    ("370202202402290024", "370202202402290024"),  # 29 Feb 2024 (leap)
    ("370202185001010018", "370202185001010018"),  # 1 Jan 1850, the earliest
    ("370202198811231018", "370202198811231018"),
]


@pytest.mark.parametrize(("raw", "expected"), SPEC_VALID_RESIDENT_IDS + MORE_VALID_RESIDENT_IDS)
def test_valid_resident_ids(raw: str, expected: str) -> None:
    assert validate_resident_id(raw, today=TODAY) == expected


SPEC_INVALID_RESIDENT_IDS = [
    ("110105194912310021", "resident_id_checksum"),
    ("110105194902300020", "resident_id_birth_date"),  # 30 February
]

MORE_INVALID_RESIDENT_IDS = [
    ("", "resident_id_format"),
    ("11010519491231002", "resident_id_format"),  # 17 chars
    ("11010519491231002X0", "resident_id_format"),  # 19 chars
    ("010105194912310029", "resident_id_format"),  # first digit 0
    ("1101051949123100X2", "resident_id_format"),  # X not last
    ("11010519491231002Y", "resident_id_format"),
    ("11010A19491231002X", "resident_id_format"),
    ("110105491231002", "resident_id_format"),  # old 15-digit number
    ("11010519491231002-X", "resident_id_format"),
    ("11010519491231002\u0665", "resident_id_format"),  # Arabic-Indic five
    ("110105194912310020", "resident_id_checksum"),
    ("11010519491231002X".replace("X", "1"), "resident_id_checksum"),
    ("370202199001010067", "resident_id_checksum"),
    ("370202190002290011", "resident_id_birth_date"),  # 29 Feb 1900 (not leap)
    ("370202202302290027", "resident_id_birth_date"),  # 29 Feb 2023 (not leap)
    ("370202184912310017", "resident_id_birth_date"),  # before 1850
    ("370202199001320013", "resident_id_birth_date"),  # day 32
    ("370202199013010012", "resident_id_birth_date"),  # month 13
    ("370202199000010013", "resident_id_birth_date"),  # month 00
    ("370202203001010014", "resident_id_birth_date"),  # 2030: in the future
]


@pytest.mark.parametrize(("raw", "code"), SPEC_INVALID_RESIDENT_IDS + MORE_INVALID_RESIDENT_IDS)
def test_invalid_resident_ids(raw: str, code: str) -> None:
    with pytest.raises(IdentifierError) as excinfo:
        validate_resident_id(raw, today=TODAY)

    assert excinfo.value.code == code


def test_resident_id_born_today_is_valid() -> None:
    # given
    number = make_resident_id("37020220250601001")

    # then
    assert validate_resident_id(number, today=datetime.date(2025, 6, 1)) == number


def test_resident_id_born_tomorrow_is_invalid() -> None:
    # given
    number = make_resident_id("37020220250602001")

    # when
    with pytest.raises(IdentifierError) as excinfo:
        validate_resident_id(number, today=datetime.date(2025, 6, 1))

    # then
    assert excinfo.value.code == "resident_id_birth_date"


def test_resident_id_future_birth_uses_real_today_by_default() -> None:
    number = make_resident_id("37020229990101001")

    with pytest.raises(IdentifierError) as excinfo:
        validate_resident_id(number)

    assert excinfo.value.code == "resident_id_birth_date"


def test_resident_id_default_today_accepts_spec_vector() -> None:
    assert validate_resident_id("11010519491231002X") == "11010519491231002X"


def test_resident_id_non_string() -> None:
    with pytest.raises(IdentifierError) as excinfo:
        validate_resident_id(110105194912310021)  # type: ignore[arg-type]

    assert excinfo.value.code == "resident_id_format"


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("11010519491231002", "11010519491231002X"),
        ("44052418800101001", "440524188001010014"),
        ("81000019900101001", "810000199001010019"),
        ("37020219900101006", "370202199001010066"),
        ("11010519491231001", "110105194912310011"),
    ],
)
def test_make_resident_id(prefix: str, expected: str) -> None:
    assert make_resident_id(prefix) == expected


@pytest.mark.parametrize(
    "prefix", ["", "1101051949123100", "110105194912310021", "01010519491231002", "1101051949123100X"]
)
def test_make_resident_id_rejects_bad_prefix(prefix: str) -> None:
    with pytest.raises(IdentifierError) as excinfo:
        make_resident_id(prefix)

    assert excinfo.value.code == "resident_id_format"


def test_make_resident_id_round_trips() -> None:
    for serial in range(0, 1000, 37):
        number = make_resident_id(f"37021219900101{serial:03d}")
        assert validate_resident_id(number, today=TODAY) == number


# ============================================================== USCC

SPEC_VALID_USCCS = [
    ("91110000600037341L", "91110000600037341L"),
    ("91350100M000100Y43", "91350100M000100Y43"),
    ("N2370283MA4E00007B", "N2370283MA4E00007B"),
]

MORE_VALID_USCCS = [
    ("91370200MA3C00003W", "91370200MA3C00003W"),  # spec master-data example
    ("91110000600037341l", "91110000600037341L"),  # lower case
    ("n2370283ma4e00007b", "N2370283MA4E00007B"),
    (" 9111 0000 6000 3734 1L ", "91110000600037341L"),
    ("９１１１００００６０００３７３４１Ｌ", "91110000600037341L"),  # full width
    ("121000004000101272", "121000004000101272"),
    ("51370200MA3C00006A", "51370200MA3C00006A"),
    ("Y1370200MA3C00007K", "Y1370200MA3C00007K"),
    ("11100000000000000J", "11100000000000000J"),
]


@pytest.mark.parametrize(("raw", "expected"), SPEC_VALID_USCCS + MORE_VALID_USCCS)
def test_valid_usccs(raw: str, expected: str) -> None:
    assert validate_uscc(raw) == expected


SPEC_INVALID_USCCS = [
    ("91110000600037341X", "uscc_checksum"),
    ("9111000060003734IL", "uscc_format"),  # I is not in the alphabet
]

MORE_INVALID_USCCS = [
    ("", "uscc_format"),
    ("91110000600037341", "uscc_format"),  # 17 chars
    ("91110000600037341LL", "uscc_format"),  # 19 chars
    ("9111000060003734OL", "uscc_format"),  # O
    ("9111000060003734SL", "uscc_format"),  # S
    ("9111000060003734VL", "uscc_format"),  # V
    ("9111000060003734ZL", "uscc_format"),  # Z
    ("91110000-600037341L", "uscc_format"),
    ("91110000600037341I", "uscc_format"),  # bad check character, not in alphabet
    ("91110000600037341K", "uscc_checksum"),
    ("91350100M000100Y44", "uscc_checksum"),
    ("N2370283MA4E00007C", "uscc_checksum"),
    ("91110000600037431L", "uscc_checksum"),  # transposition
]


@pytest.mark.parametrize(("raw", "code"), SPEC_INVALID_USCCS + MORE_INVALID_USCCS)
def test_invalid_usccs(raw: str, code: str) -> None:
    with pytest.raises(IdentifierError) as excinfo:
        validate_uscc(raw)

    assert excinfo.value.code == code


def test_uscc_alphabet() -> None:
    assert USCC_ALPHABET == "0123456789ABCDEFGHJKLMNPQRTUWXY"
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("91110000600037341", "91110000600037341L"),
        ("91350100M000100Y4", "91350100M000100Y43"),
        ("N2370283MA4E00007", "N2370283MA4E00007B"),
        ("91370200MA3C00003", "91370200MA3C00003W"),
    ],
)
def test_make_uscc(prefix: str, expected: str) -> None:
    assert make_uscc(prefix) == expected


@pytest.mark.parametrize("prefix", ["", "9111000060003734", "911100006000373411", "9111000060003734I"])
def test_make_uscc_rejects_bad_prefix(prefix: str) -> None:
    with pytest.raises(IdentifierError) as excinfo:
        make_uscc(prefix)

    assert excinfo.value.code == "uscc_format"


def test_make_uscc_check_can_be_zero() -> None:
    # 31 - (sum mod 31) == 31 must wrap to "0"
    prefixes = (f"9137020{n:010d}" for n in range(2000))
    zero_checked = next(p for p in prefixes if make_uscc(p).endswith("0"))

    assert validate_uscc(zero_checked + "0") == zero_checked + "0"


# ============================================================== certificate number

VALID_CERTIFICATE_NOS = [
    ("鲁(2023)青岛市不动产权第0123456号", "鲁(2023)青岛市不动产权第0123456号"),  # spec
    ("鲁(2025)青岛市不动产权第0123456号", "鲁(2025)青岛市不动产权第0123456号"),  # spec feed
    ("鲁（2023）青岛市不动产权第0123456号", "鲁(2023)青岛市不动产权第0123456号"),  # full-width brackets
    ("鲁（２０２３）青岛市不动产权第０１２３４５６号", "鲁(2023)青岛市不动产权第0123456号"),
    (" 鲁(2023) 青岛市 不动产权第 0123456 号 ", "鲁(2023)青岛市不动产权第0123456号"),
    ("鲁(2023)青岛市不动产权第012345号", "鲁(2023)青岛市不动产权第012345号"),  # 6 digits
    ("鲁(2023)青岛市不动产权第01234567号", "鲁(2023)青岛市不动产权第01234567号"),  # 8 digits
    ("鲁(2023)胶州市不动产权第0000001号", "鲁(2023)胶州市不动产权第0000001号"),
    ("京(2019)朝阳区不动产权第0001234号", "京(2019)朝阳区不动产权第0001234号"),
    ("皖(2020)肥西县不动产权第0012345号", "皖(2020)肥西县不动产权第0012345号"),
    ("蒙(2021)锡林郭勒盟不动产权第0012345号", "蒙(2021)锡林郭勒盟不动产权第0012345号"),
    ("蒙(2021)科尔沁右翼前旗不动产权第0012345号", "蒙(2021)科尔沁右翼前旗不动产权第0012345号"),
    ("吉(2022)延边朝鲜族自治州不动产权第0012345号", "吉(2022)延边朝鲜族自治州不动产权第0012345号"),
    ("鲁(2023)青岛市市北区不动产权第0123456号", "鲁(2023)青岛市市北区不动产权第0123456号"),
    ("鲁(2023)不动产权第0123456号", "鲁(2023)不动产权第0123456号"),  # no locality
]


@pytest.mark.parametrize(("raw", "expected"), VALID_CERTIFICATE_NOS)
def test_valid_certificate_nos(raw: str, expected: str) -> None:
    assert validate_certificate_no(raw) == expected


INVALID_CERTIFICATE_NOS = [
    "",
    "鲁(2023)青岛市不动产权第01234号",  # 5 digits
    "鲁(2023)青岛市不动产权第012345678号",  # 9 digits
    "鲁(23)青岛市不动产权第0123456号",  # 2-digit year
    "鲁2023青岛市不动产权第0123456号",  # no brackets
    "鲁[2023]青岛市不动产权第0123456号",
    "山东(2023)青岛市不动产权第0123456号",  # two-character province
    "L(2023)青岛市不动产权第0123456号",
    "鲁(2023)青岛不动产权第0123456号",  # locality without 市/县/区…
    "鲁(2023)Qingdao市不动产权第0123456号",
    "鲁(2023)青岛市不动产权第0123456",  # no 号
    "鲁(2023)青岛市不动产证明第0123456号",  # a certificate of proof, not of right
    "鲁(2023)青岛市不动产权第012345A号",
]


@pytest.mark.parametrize("raw", INVALID_CERTIFICATE_NOS)
def test_invalid_certificate_nos(raw: str) -> None:
    with pytest.raises(IdentifierError) as excinfo:
        validate_certificate_no(raw)

    assert excinfo.value.code == "certificate_no_format"


# ============================================================== phone

VALID_PHONES = [
    ("13812341234", "13812341234"),
    ("138 1234 1234", "13812341234"),
    ("138-1234-1234", "13812341234"),
    ("+8613812341234", "13812341234"),
    ("+86 138 1234 1234", "13812341234"),
    ("+86-138-1234-1234", "13812341234"),
    ("008613812341234", "13812341234"),
    ("8613812341234", "13812341234"),
    ("１３８１２３４１２３４", "13812341234"),  # full width
    ("19912341234", "19912341234"),
    ("16612341234", "16612341234"),
    (" 15012341234\t", "15012341234"),
]


@pytest.mark.parametrize(("raw", "expected"), VALID_PHONES)
def test_valid_phones(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


INVALID_PHONES = [
    "",
    "12812341234",  # second digit 2
    "10812341234",
    "1381234123",  # 10 digits
    "138123412345",  # 12 digits
    "23812341234",
    "+8712812341234",
    "+861381234123",  # +86 then 10 digits
    "+86 128 1234 1234",
    "0532-88881234",  # landline
    "138.1234.1234",
    "1381234123a",
    "+1 138 1234 1234",
]


@pytest.mark.parametrize("raw", INVALID_PHONES)
def test_invalid_phones(raw: str) -> None:
    with pytest.raises(IdentifierError) as excinfo:
        normalize_phone(raw)

    assert excinfo.value.code == "phone_format"


# ============================================================== a firm's public service number

VALID_SERVICE_PHONES = [
    ("0532-88886666", "0532-88886666"),
    ("0532 8888 6666", "0532-88886666"),
    ("053288886666", "0532-88886666"),
    ("010-12345678", "010-12345678"),
    ("02188886666", "021-88886666"),
    ("0532-8888666", "0532-8888666"),  # seven-digit local number
    ("400 123 4567", "400-123-4567"),
    ("4001234567", "400-123-4567"),
    ("800-123-4567", "800-123-4567"),
    ("95598", "95598"),
    ("９６１１７", "96117"),  # full width
    ("+86 138 1234 1234", "13812341234"),
]


@pytest.mark.parametrize(("raw", "expected"), VALID_SERVICE_PHONES)
def test_valid_service_phones(raw: str, expected: str) -> None:
    assert normalize_service_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "88886666", "0532-886", "400-123-456", "12812341234", "0532.88886666", "110"]
)
def test_invalid_service_phones(raw: str) -> None:
    with pytest.raises(IdentifierError) as excinfo:
        normalize_service_phone(raw)
    assert excinfo.value.code == "service_phone_format"


# ============================================================== masking


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("370202199001010066", "370***********0066"),  # spec
        ("11010519491231002X", "110***********002X"),
        ("91350100M000100Y43", "913***********0Y43"),
        ("E12345678", "E12**5678"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),  # too short to show anything
        ("", ""),
    ],
)
def test_mask_id_number(value: str, expected: str) -> None:
    assert mask_id_number(value) == expected


def test_mask_id_number_keeps_length_for_18_chars() -> None:
    masked = mask_id_number("370202199001010066")

    assert len(masked) == 18
    assert masked.count("*") == 11


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812341234", "138****1234"),  # spec
        ("19912345678", "199****5678"),
        ("123", "***"),
    ],
)
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("李小龙", "李**"),
        ("王", "王*"),
        (" 张三 ", "张*"),
        ("", ""),
    ],
)
def test_mask_name(name: str, expected: str) -> None:
    assert mask_name(name) == expected


# ============================================================== keyed hash

KEY = b"k"


def test_id_hmac_known_value() -> None:
    # HMAC-SHA256(b"k", b"resident_id:11010519491231002X")
    expected = "3ccd924166493cbcec572643a0e9321e2fa32516588a87c19ecb3b50dd890715"

    assert id_hmac(id_type="resident_id", id_number="11010519491231002X", key=KEY) == expected


@pytest.mark.parametrize(
    "variant", ["11010519491231002x", " 11010519491231002X ", "１１０１０５１９４９１２３１００２ｘ"]
)
def test_id_hmac_normalises_resident_id(variant: str) -> None:
    expected = id_hmac(id_type="resident_id", id_number="11010519491231002X", key=KEY)

    assert id_hmac(id_type="resident_id", id_number=variant, key=KEY) == expected


def test_id_hmac_normalises_uscc() -> None:
    expected = id_hmac(id_type="uscc", id_number="91350100M000100Y43", key=KEY)

    assert id_hmac(id_type="uscc", id_number=" 91350100m000100y43", key=KEY) == expected


def test_id_hmac_matches_validator_output() -> None:
    # given: the feed hashes what arrives, sign-up hashes what it validated
    raw = " 11010519491231002x"

    # then
    assert id_hmac(id_type="resident_id", id_number=raw, key=KEY) == id_hmac(
        id_type="resident_id", id_number=validate_resident_id(raw), key=KEY
    )


def test_id_hmac_depends_on_type_key_and_number() -> None:
    base = id_hmac(id_type="resident_id", id_number="11010519491231002X", key=KEY)

    assert id_hmac(id_type="passport", id_number="11010519491231002X", key=KEY) != base
    assert id_hmac(id_type="resident_id", id_number="11010519491231002X", key=b"other") != base
    assert id_hmac(id_type="resident_id", id_number="110105194912310013", key=KEY) != base


def test_id_hmac_other_types_are_stripped_but_case_kept() -> None:
    a = id_hmac(id_type="passport", id_number=" E12345678 ", key=KEY)

    assert a == id_hmac(id_type="passport", id_number="E12345678", key=KEY)
    assert a != id_hmac(id_type="passport", id_number="e12345678", key=KEY)


def test_id_hmac_is_hex_sha256() -> None:
    digest = id_hmac(id_type="uscc", id_number="91350100M000100Y43", key=KEY)

    assert re.fullmatch(r"[0-9a-f]{64}", digest)


def test_id_hmac_refuses_empty_key() -> None:
    with pytest.raises(ValueError):
        id_hmac(id_type="resident_id", id_number="11010519491231002X", key=b"")


# ============================================================== errors


def test_identifier_error_is_a_value_error_with_chinese_message() -> None:
    # when
    with pytest.raises(ValueError) as excinfo:
        validate_unit_number("nonsense")

    # then
    error = excinfo.value
    assert isinstance(error, IdentifierError)
    assert error.code == "unit_number_format"
    assert error.message == "不动产单元号格式不正确"
    assert str(error) == "不动产单元号格式不正确"


def test_identifier_error_does_not_leak_the_value() -> None:
    with pytest.raises(IdentifierError) as excinfo:
        validate_resident_id("110105194912310021")

    assert "110105194912310021" not in str(excinfo.value)
    assert "110105194912310021" not in repr(excinfo.value)


def test_identifier_error_pickles() -> None:
    error = IdentifierError("uscc_checksum")

    clone = pickle.loads(pickle.dumps(error))

    assert isinstance(clone, IdentifierError)
    assert (clone.code, clone.message) == ("uscc_checksum", error.message)


def test_identifier_error_custom_message() -> None:
    error = IdentifierError("phone_format", "请输入手机号")

    assert error.message == "请输入手机号"
    assert str(error) == "请输入手机号"


def test_every_error_code_is_exercised() -> None:
    # given: one failing input per code
    cases = {
        "unit_number_format": lambda: validate_unit_number("340123002004XB00011F00010001"),
        "unit_number_zone": lambda: validate_unit_number("370212000002GB00123F00050302"),
        "unit_number_parcel": lambda: validate_unit_number("340123002004GB00000F00010001"),
        "unit_number_fixture": lambda: validate_unit_number("340123002004GB00011W00010001"),
        "resident_id_format": lambda: validate_resident_id("11010519491231002"),
        "resident_id_checksum": lambda: validate_resident_id("110105194912310021"),
        "resident_id_birth_date": lambda: validate_resident_id("110105194902300020"),
        "uscc_format": lambda: validate_uscc("9111000060003734IL"),
        "uscc_checksum": lambda: validate_uscc("91110000600037341X"),
        "certificate_no_format": lambda: validate_certificate_no("鲁(2023)青岛市不动产权第01234号"),
        "phone_format": lambda: normalize_phone("12812341234"),
        "service_phone_format": lambda: normalize_service_phone("88886666"),
    }
    assert set(cases) == set(ERROR_MESSAGES)

    for code, call in cases.items():
        # when
        with pytest.raises(IdentifierError) as excinfo:
            call()
        # then
        assert excinfo.value.code == code
        assert excinfo.value.message == ERROR_MESSAGES[code]
