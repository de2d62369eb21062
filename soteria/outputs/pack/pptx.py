"""The pack as a PowerPoint deck: one chart per slide, the summary in the notes."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from soteria.charts import style as cs
from soteria.domain import DEMO_LABEL
from soteria.evaluation.text.words import plain
from soteria.outputs import chart_files
from soteria.outputs.chart_output import ChartOutput
from soteria.outputs.pack.contents import Pack, data_line, notice


def slide_picture(output: ChartOutput) -> bytes:
    """The chart as a slide shows it: print-resolution PNG with its source and notes, but no title or
    subtitle, which the slide's own title and text box carry (read once, and found by screen readers)."""
    from soteria.outputs import export

    figure = output.kept("slide", lambda: cs.without_titles(output.export_figure()))
    return chart_files.observe(output.file_name("png"), export.figure_to_image(figure, "png"))


def to_pptx(pack: Pack, render: Callable[[ChartOutput], bytes] | None = None) -> bytes:
    """The pack as a 16:9 deck: title, findings, one chart per slide (titled; the summary as the
    picture's alternative text and in the notes), caveats, method notes."""
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    render = render or slide_picture
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    title_layout, content_layout = deck.slide_layouts[0], deck.slide_layouts[1]
    title_only = deck.slide_layouts[5]

    slide = deck.slides.add_slide(title_layout)
    slide.shapes.title.text = pack.title
    said = (pack.subtitle, DEMO_LABEL if pack.provenance.synthetic else "", notice(pack), data_line(pack))
    sub = "\n".join(line for line in said if line)
    slide.placeholders[1].text = sub
    for paragraph in slide.placeholders[1].text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(16)

    def bullets(title: str, items: Sequence[str], size: int = 16) -> None:
        s = deck.slides.add_slide(content_layout)
        s.shapes.title.text = title
        body = s.placeholders[1]
        body.left, body.top, body.width, body.height = Inches(0.6), Inches(1.4), Inches(12.1), Inches(5.8)
        frame = body.text_frame
        frame.word_wrap = True
        for j, item in enumerate(items):
            para = frame.paragraphs[0] if j == 0 else frame.add_paragraph()
            para.text = plain(item)
            para.font.size = Pt(size)

    bullets("Headline findings", pack.findings)
    top = Inches(1.55)  # below the slide title and the chart's subtitle
    for output in pack.outputs:
        s = deck.slides.add_slide(title_only)
        heading = s.shapes.title
        heading.left, heading.top, heading.width, heading.height = (
            Inches(0.5),
            Inches(0.25),
            Inches(12.3),
            Inches(0.8),
        )
        heading.text = output.text.title
        heading.text_frame.word_wrap = True
        heading.text_frame.paragraphs[0].font.size = Pt(26)
        box = s.shapes.add_textbox(Inches(0.5), Inches(1.0), Inches(12.3), Inches(0.5))
        box.text_frame.word_wrap = True
        box.text_frame.text = output.text.subtitle
        box.text_frame.paragraphs[0].font.size = Pt(13)
        pic = s.shapes.add_picture(io.BytesIO(render(output)), Inches(0.3), top)
        ratio = min(
            (int(deck.slide_width or 0) - Inches(0.6)) / pic.width,
            (int(deck.slide_height or 0) - top - Inches(0.2)) / pic.height,
        )
        pic.width, pic.height = Emu(int(pic.width * ratio)), Emu(int(pic.height * ratio))
        pic.left = Emu(int((deck.slide_width - pic.width) / 2))
        pic.top = Emu(int(top))
        pic._element.nvPicPr.cNvPr.set("descr", output.summary)  # alternative text
        notes = [output.summary, output.text.source, output.table.note.text(), *output.table.legend()]
        s.notes_slide.notes_text_frame.text = "\n".join(plain(n) for n in notes if n)
    bullets("Caveats", pack.caveats, 14)
    bullets("Method notes", [f"{h}: {t}" for h, t in pack.method], 11)
    buffer = io.BytesIO()
    deck.core_properties.title = pack.title
    deck.save(buffer)
    return buffer.getvalue()
