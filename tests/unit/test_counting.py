import pytest

from copyloop.counting import count_chars, xiaohongshu_title_units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("后排空间超大，2.8米轴距！🚗宝妈超爱～ISOFIX接口x2，7座SUV。", 27),
        ("👨‍👩‍👧", 1),
        ("", 0),
        ("   \n\t", 0),
        ("hello, world!", 2),
        ("2.8", 1),
        ("ISOFIX", 1),
        ("x2", 1),
        ("SUV。", 2),
        ("3.", 1),  # a trailing dot is punctuation, not part of the number
        ("1,480 L", 3),  # ASCII comma splits the run: 1 / 480 / L
        ("「第一排」", 5),
        ("零百加速 4.5 秒", 6),
        ("🇨🇳中国", 3),  # a flag is one grapheme cluster
    ],
)
def test_count_chars_follows_word_rule(text: str, expected: int) -> None:
    assert count_chars(text) == expected


def test_python_len_differs_from_word_count() -> None:
    text = "后排空间超大，2.8米轴距！🚗宝妈超爱～ISOFIX接口x2，7座SUV。"
    assert len(text) == 37
    assert count_chars(text) == 27


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("后排空间超大，2.8米轴距！🚗宝妈超爱～ISOFIX接口x2，7座SUV。", 31),
        ("abc", 2),
        ("宝妈", 2),
        ("🚗", 2),
    ],
)
def test_xiaohongshu_title_units(title: str, expected: int) -> None:
    assert xiaohongshu_title_units(title) == expected
