"""The report page: self-contained, every table and figure present."""

from __future__ import annotations

import re

import pytest

from oncotrial.analysis import analyze
from oncotrial.report import build_figures, render_report


@pytest.fixture
def page(adam, protocol) -> str:
    return render_report(analyze(adam, protocol=protocol), adam, protocol=protocol, thresholds=(-30.0, 20.0))


def test_page_has_no_external_reference_and_no_script(page):
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_every_figure_is_an_inline_png_with_alt_text_and_caption(page, adam, protocol):
    images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)"', page)
    assert len(images) == 6  # KM for PFS, OS, DoR + waterfall, swimmer, spider
    assert all(alt.strip() for alt in images)
    assert len(re.findall(r"<figcaption><strong>Figure \d+\.", page)) == 6


def test_efficacy_table_shows_orr_with_ci_and_p_value(page):
    # ORR 2/6 = 33.3% (4.3–77.7), one-sided p = 0.34464 (R binom.test)
    assert "2 / 6" in page and "33.3" in page and "4.3–77.7" in page
    assert "0.3446 (H0: p ≤ 0.2)" in page


def test_methods_list_the_protocol_rules_and_assumptions(page, protocol):
    assert f"at least {protocol.response.confirmation_min_interval} later" in page
    assert f"at least {protocol.response.sd_min_duration} after" in page
    assert protocol.censoring.guidance in page
    assert f"Assumptions in the protocol ({len(protocol.assumptions())})" in page


def test_figures_are_numbered_in_page_order(adam, protocol):
    figures = build_figures(analyze(adam, protocol=protocol), adam, protocol=protocol)
    assert [f.number for f in figures] == list(range(1, 7))
    assert [f.id for f in figures][:3] == ["waterfall", "swimmer", "spider"]
