"""Debian's headless chromium driven by selenium, for the tests of the HTML pages (view, review).

`chromium_binary` finds the browser; `chrome` starts it under chromedriver
with the flags this machine needs, or returns None when selenium or the
driver is missing (the caller then skips or falls back, saying why).
"""

from __future__ import annotations

import shutil
from pathlib import Path

# The flags this machine's chromium needs headless (no sandbox as root, no
# network of its own); plus a new empty --user-data-dir, added per run.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--window-size=1400,1100",
]
NO_CHROMIUM = "no chromium binary found (apt-get install chromium chromium-driver): the page was not shown in a browser"


def chromium_binary() -> str | None:
    for name in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def driver_path() -> str:
    return shutil.which("chromedriver") or "/usr/bin/chromedriver"


def chrome(chromium: str, profile: Path, monkeypatch, downloads: Path | None = None, flags=()):
    """A selenium Chrome driver on `chromium`, or None without selenium or chromedriver."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    if not Path(driver_path()).exists():
        return None
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers online
    options = Options()
    options.binary_location = chromium
    for flag in [*CHROMIUM_FLAGS, *flags]:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    if downloads is not None:
        options.add_experimental_option("prefs", {
            "download.default_directory": str(downloads), "download.prompt_for_download": False,
        })
    return webdriver.Chrome(options=options, service=Service(executable_path=driver_path()))
