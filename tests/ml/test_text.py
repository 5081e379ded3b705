"""Code: ticket text is cleaned for the models without losing what a person wrote."""

from __future__ import annotations

from ml.text import MAX_MODEL_CHARS, clean_text, is_blank


def test_html_email_body_becomes_its_visible_text() -> None:
    body = (
        "<html><head><style>p {color: red}</style></head><body><p>Printer&nbsp;is jammed</p>"
        "<div>Thanks, <b>Tom</b></div><script>alert(1)</script></body></html>"
    )
    assert clean_text("Help", body) == "Help. Printer is jammed Thanks, Tom"


def test_control_characters_go_and_whitespace_is_single_spaced() -> None:
    assert clean_text("VPN\x00 down", "line one\r\n\tline\x07 two\u200b") == (
        "VPN down. line one line two"
    )


def test_emoji_and_non_english_text_are_kept() -> None:
    text = clean_text("Drucker 🖨️", "Der Drucker im 3. Stock druckt nicht 😡 — 打印机坏了")
    assert "🖨️" in text and "😡" in text and "打印机坏了" in text and "Drucker" in text


def test_long_descriptions_are_truncated_at_a_word_boundary() -> None:
    description = "word " * 5000  # 25,000 characters
    text = clean_text("Long", description)
    assert len(text) <= MAX_MODEL_CHARS
    assert text.endswith("word")


def test_plain_text_with_angle_brackets_is_not_mangled() -> None:
    assert clean_text("", "error code <500> when x < 3") == "error code <500> when x < 3"


def test_blank_after_cleaning_is_detected() -> None:
    assert is_blank(clean_text("", "<p>&nbsp;</p>\x00 \n"))
    assert is_blank(clean_text("???", "🔥🔥"))
    assert not is_blank(clean_text("", "VPN"))
    assert not is_blank(clean_text("", "打印机"))
