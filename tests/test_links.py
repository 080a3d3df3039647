"""Evidence links: only well-formed http/https URLs are stored."""
import pytest

from portal.evidence.links import MAX_URL_LENGTH, LinkError, validate_url


@pytest.mark.parametrize("url", [
    "https://www.opdc.go.th/",
    "http://example.go.th/รายงาน/แผนปฏิบัติการ.pdf",
    "https://data.go.th/dataset?q=ITA&page=2#top",
    "  https://example.com/path  ",
    "https://sub.example.co.th:8443/x",
])
def test_good_links_are_kept(url):
    assert validate_url(url) == url.strip()


@pytest.mark.parametrize("url,message", [
    ("", "กรุณากรอก"),
    ("javascript:alert(1)", "http://"),
    ("JaVaScRiPt:alert(1)", "http://"),
    ("java\tscript:alert(1)", "อักขระควบคุม"),
    ("data:text/html;base64,PHNjcmlwdD4=", "http://"),
    ("file:///etc/passwd", "http://"),
    ("ftp://example.com/x", "http://"),
    ("https://", "ชื่อเว็บไซต์"),
    ("https:///path-only", "ชื่อเว็บไซต์"),
    ("http://exa mple.com", "ช่องว่าง"),
    ("https://example.com/\r\nSet-Cookie:x", "อักขระควบคุม"),
    ("https://user:pass@example.com/", "รหัสผ่าน"),
    ("https://example.com:99999/", "รูปแบบ"),
    ("https://example.com/\u202egnp.exe", "อักขระควบคุม"),
    ("www.example.com", "http://"),
    ("https://" + "a" * MAX_URL_LENGTH + ".com", "ยาวเกิน"),
])
def test_bad_links_are_refused_with_a_thai_reason(url, message):
    with pytest.raises(LinkError) as caught:
        validate_url(url)
    assert message in str(caught.value)
