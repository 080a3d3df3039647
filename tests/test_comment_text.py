"""comment_html: whatever is typed comes out as text; only http(s) URLs become links."""
import pytest

from portal.reviews.text import comment_html


def test_plain_text_is_escaped_and_line_breaks_kept():
    html = comment_html('<script>alert("x")</script>\nบรรทัดที่สอง & <b>หนา</b>')
    assert html == ('&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;<br>\n'
                    'บรรทัดที่สอง &amp; &lt;b&gt;หนา&lt;/b&gt;')


def test_http_and_https_urls_become_safe_links():
    html = comment_html("ดูที่ https://www.opdc.go.th/pmqa?a=1&b=2. และ http://example.org")
    assert ('<a href="https://www.opdc.go.th/pmqa?a=1&amp;b=2" rel="noopener nofollow" target="_blank">'
            'https://www.opdc.go.th/pmqa?a=1&amp;b=2</a>. และ ') in html
    assert html.endswith('<a href="http://example.org" rel="noopener nofollow" target="_blank">http://example.org</a>')


@pytest.mark.parametrize("text", [
    "javascript:alert(1)", "JaVaScRiPt:alert(document.cookie)", "data:text/html,<script>x</script>",
    "ftp://files.example.org/a", "vbscript:msgbox", "//evil.example/x", "https://", "http:///nohost",
])
def test_other_schemes_and_broken_urls_stay_text(text):
    html = comment_html(text)
    assert "<a" not in html and "<script" not in html


@pytest.mark.parametrize("text", [
    'https://x.org/"onmouseover="alert(1)', "https://x.org/'onmouseover='alert(1)",
    "https://x.org/<img src=x onerror=alert(1)>", "https://x.org/`onclick`",
])
def test_a_url_cannot_break_out_of_its_attribute(text):
    html = str(comment_html(text))
    assert html.count('"') == 6  # href, rel and target values only
    assert "<img" not in html and "onmouseover=\"" not in html and "onmouseover='" not in html


def test_brackets_and_trailing_punctuation():
    html = comment_html("(https://th.wikipedia.org/wiki/ก_(ข)) และ https://a.go.th/x),")
    assert 'href="https://th.wikipedia.org/wiki/ก_(ข)"' in html
    assert 'href="https://a.go.th/x"' in html and "</a>)," in html


def test_empty_and_none():
    assert comment_html(None) == "" and comment_html("") == ""
