"""The UI layer: the only Streamlit glue. Pages import what they show from here (`from soteria import ui`).

`store` (the connection and the pinned data version) < `access` (who may do what) < `data` (the one
Analyses at the run's version) < `selection`, `page`, `evaluation`, `figures`, `charts`.
"""

from soteria.ui.charts import table as show_table
from soteria.ui.data import (
    analyses,
    area_names,
    data_span,
    is_demo,
    latest_extract,
    register,
    register_waves,
    release,
)
from soteria.ui.editable import save_controls
from soteria.ui.evaluation import answer_markdown, control_choice, evaluation, evaluation_chart
from soteria.ui.figures import (
    chart,
    chart_block,
    chart_output,
    evaluation_survival_table,
    published,
    report_pack,
    tile_map,
)
from soteria.ui.page import ACCESSIBILITY_CSS, page_header
from soteria.ui.selection import address_choice, remember_choice, selection_sidebar
from soteria.ui.store import store, version
from soteria.ui.tables import WRAPPING_ROW_PX, column_config, data_table, text_table

__all__ = [
    "ACCESSIBILITY_CSS",
    "WRAPPING_ROW_PX",
    "address_choice",
    "analyses",
    "answer_markdown",
    "area_names",
    "chart",
    "chart_block",
    "chart_output",
    "column_config",
    "control_choice",
    "data_span",
    "data_table",
    "evaluation",
    "evaluation_chart",
    "evaluation_survival_table",
    "is_demo",
    "latest_extract",
    "page_header",
    "published",
    "register",
    "register_waves",
    "release",
    "remember_choice",
    "report_pack",
    "save_controls",
    "selection_sidebar",
    "show_table",
    "store",
    "text_table",
    "tile_map",
    "version",
]
