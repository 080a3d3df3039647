"""Buddhist-era dates in and out."""
from datetime import date, datetime, timezone

import pytest

from portal.thai.dates import ThaiDateError, format_thai_date, format_thai_datetime, parse_thai_date


@pytest.mark.parametrize("text,expected", [
    ("15 มี.ค. 2569", date(2026, 3, 15)),
    ("15 มีค 2569", date(2026, 3, 15)),
    ("1 มกราคม 2569", date(2026, 1, 1)),
    ("๑๕ มี.ค. ๒๕๖๙", date(2026, 3, 15)),
    ("15/3/2569", date(2026, 3, 15)),
    ("29/02/2567", date(2024, 2, 29)),
    ("2026-03-15", date(2026, 3, 15)),
    ("", None),
    ("   ", None),
])
def test_parse(text, expected):
    assert parse_thai_date(text) == expected


@pytest.mark.parametrize("text", ["31 ก.พ. 2569", "15 มีนาค 2569", "yesterday", "15/13/2569", "1/1/1500"])
def test_bad_dates_get_a_thai_message(text):
    with pytest.raises(ThaiDateError) as caught:
        parse_thai_date(text)
    assert "เช่น 15 มี.ค. 2569" in str(caught.value)


def test_format():
    assert format_thai_date(date(2026, 3, 15)) == "15 มี.ค. 2569"
    assert format_thai_date(date(2026, 3, 15), full=True) == "15 มีนาคม 2569"
    assert format_thai_date(None) == ""
    assert format_thai_datetime(datetime(2026, 11, 24, 20, 30, tzinfo=timezone.utc)) == "25 พ.ย. 2569 03:30"
