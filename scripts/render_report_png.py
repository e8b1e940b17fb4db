"""Render the sample quarterly HTML report of the demo data to a PNG with Debian's Chromium.

Builds a throwaway demo instance (SQLite, its own keyring) with the real CLI, exports the
current quarter as HTML, and screenshots it headless. Never downloads a browser.

    .venv/bin/python scripts/render_report_png.py
    .venv/bin/python scripts/render_report_png.py --height 6000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
)


RELEASE_SAMPLE = """
import sys
from pathlib import Path
from hrd_cases import create_app
from hrd_cases.current import current_database, current_settings, current_strategies
from hrd_cases.exports.quarter import parse_quarter
from hrd_cases.exports.releases import download_release, releasable_from, release_quarter
app = create_app()
with app.app_context(), current_database().session() as session:
    settings, quarter = current_settings(), parse_quarter(sys.argv[1])
    release_quarter(session, quarter, actor=None, via="cli", catalogue=current_strategies(),
                    k=settings.suppression_k, p=settings.suppression_p,
                    lag_days=settings.release_lag_days,
                    today=releasable_from(quarter, settings.release_lag_days))
    body = download_release(session, quarter, "html", actor=None, via="cli").body
    Path(sys.argv[2]).write_bytes(body)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("--out", type=Path, default=SCREENSHOTS / "quarterly-report.png")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium")
    today = datetime.now(UTC).date()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    html = SCREENSHOTS / "quarterly-report-sample.html"
    cli = str(Path(sys.executable).with_name("hrd-cases"))
    with tempfile.TemporaryDirectory(prefix="hrd-report-png-") as instance:
        env = {**os.environ, "HRD_INSTANCE_PATH": instance, "HRD_ENV": "development"}
        env.pop("DATABASE_URL", None)  # the demo goes into the throwaway SQLite file
        env.pop("HRD_KEYRING", None)
        for command in (["init"], ["demo"]):
            subprocess.run([cli, *command], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        # The demo's cases are in the open quarter: release it as on the first day it may be
        # (a sample only; the CLI and the page release on the real date).
        subprocess.run(  # noqa: S603 - this interpreter, fixed code
            [sys.executable, "-c", RELEASE_SAMPLE, quarter, str(html)], env=env, check=True
        )
        with tempfile.TemporaryDirectory(prefix="hrd-chromium-") as profile:
            subprocess.run(  # noqa: S603 - fixed program and flags
                [
                    CHROMIUM,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    f"--screenshot={args.out}",
                    f"--window-size={args.width},{args.height}",
                    html.resolve().as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
    html.chmod(0o644)  # exports are created owner-only; this sample is public
    print(f"wrote {html.relative_to(ROOT)} and {args.out}")


if __name__ == "__main__":
    main()
