"""The study report: matplotlib figures and one self-contained HTML page.

:func:`write_report` renders ``report.html`` from the analysis results and the ADaM
package (see ``docs/report.md``).
"""

from oncotrial.report._figures import BOR_COLOURS, km_figure, spider_figure, swimmer_figure, waterfall_figure
from oncotrial.report._html import ReportFigure, build_figures, render_report, write_report
from oncotrial.report._patients import best_change, change_over_time, treatment_timelines

__all__ = [
    "BOR_COLOURS",
    "ReportFigure",
    "best_change",
    "build_figures",
    "change_over_time",
    "km_figure",
    "render_report",
    "spider_figure",
    "swimmer_figure",
    "treatment_timelines",
    "waterfall_figure",
    "write_report",
]
