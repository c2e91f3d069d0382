"""Render the Coupons tab, a code sheet and the effectiveness report into docs/screenshots/.

Usage (run by hand, not by pytest)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.ui.make_screenshots_coupons
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QApplication

from posapp.demo import load_demo
from posapp.reports.coupon_effectiveness import render_effectiveness
from posapp.reports.coupon_sheet import render_code_sheet
from posapp.services.backend import Backend
from posapp.services.platform.db import open_database
from posapp.services.staff.users import find_user
from posapp.ui.coupons.tab import CouponsTab
from posapp.ui.kit.bus import EventBus
from posapp.ui.kit.resources import apply_theme

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _pdf_page(pdf: bytes, page: int, name: str) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        prefix = Path(tmp) / "page"
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(source),
                str(prefix),
            ],
            check=True,
        )
        target = OUT / name
        target.write_bytes(prefix.with_suffix(".png").read_bytes())
    return target


def main() -> int:
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    apply_theme(app)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        database = open_database(f"sqlite:///{tmp}/posapp.sqlite3")
        try:
            bus = EventBus()
            backend = Backend(database, bus, register="till-1")
            load_demo(backend, seed=7, days=28)
            admin = find_user(backend.read_uow(), "admin")
            desk = backend.coupons
            rows = desk.list_campaigns(admin)
            spring = next(r for r in rows if r.campaign.name.startswith("Spring"))

            tab = CouponsTab(backend, bus, admin)
            tab.resize(1280, 800)
            tab.show()
            tab.select_campaign(spring.campaign.id)
            tab.details.setCurrentIndex(0)
            for _ in range(5):
                app.processEvents()
            print(_save(tab.grab(), "coupons_tab.png"))
            tab.details.setCurrentIndex(1)
            for _ in range(5):
                app.processEvents()
            print(_save(tab.grab(), "coupons_tab_log.png"))
            tab.close()

            sheet = desk.code_sheet(admin, spring.campaign.id)
            print(_pdf_page(render_code_sheet(sheet), 1, "coupon_sheet.png"))
            today = backend.clock().astimezone(desk.zone()).date()
            report = desk.effectiveness_report(admin, today - timedelta(days=27), today)
            pdf = render_effectiveness(report)
            print(_pdf_page(pdf, 1, "coupon_report.png"))
            print(_pdf_page(pdf, 2, "coupon_report_activity.png"))
        finally:
            database.dispose()
    return 0


def _save(pixmap: object, name: str) -> Path:
    path = OUT / name
    if not pixmap.save(str(path)):  # type: ignore[attr-defined]
        raise OSError(f"cannot write {path}")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
