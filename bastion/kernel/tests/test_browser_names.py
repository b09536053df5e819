"""The sessions page names a browser as a person would, from its User-Agent header."""

from __future__ import annotations

import pytest
from django.utils import translation

from bastion.kernel.templatetags.kernel_browsers import browser_name

AGENTS = [
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
     "Chrome 131 on Windows"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 "
     "Edg/131.0.2903.86", "Edge 131 on Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
     "Safari 18 on macOS"),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128 on Linux"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 "
     "Mobile/15E148 Safari/604.1", "Safari 17 on iPhone"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
     "Safari/537.36", "Chrome 131 on Android"),
    ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
     "Chrome 156 on Linux"),
    ("curl/8.5.0", "curl/8.5.0"),
    ("", "Unknown browser"),
    (None, "Unknown browser"),
]  # fmt: skip


@pytest.mark.parametrize(("agent", "name"), AGENTS)
def test_a_browser_is_named_by_its_name_version_and_system(agent: str | None, name: str) -> None:
    assert browser_name(agent) == name


def test_an_unknown_long_header_is_cut_and_the_words_are_translated() -> None:
    assert browser_name("x" * 200) == "x" * 59 + "…"
    with translation.override("zh-hans"):
        assert browser_name(AGENTS[0][0]) == "Windows 上的 Chrome 131"
