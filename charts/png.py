"""PNG encoding of a drawn figure as a 256-colour palette image (Pillow)."""

from __future__ import annotations

import io

import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = ["encode_png", "figure_png"]

_PNG_LEVEL = 3  # zlib level: 6+ saves a few KB for twice the time


def figure_png(figure: Figure) -> bytes:
    """Draw ``figure`` on its Agg canvas and return it as PNG bytes."""
    canvas = figure.canvas
    canvas.draw()
    return encode_png(canvas)


def encode_png(canvas: FigureCanvasAgg) -> bytes:
    """The PNG bytes of an already drawn Agg ``canvas``, as a 256-colour palette image."""
    width, height = canvas.get_width_height(physical=True)
    image = PIL.Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    # A chart has a few hundred distinct colours (flat fills plus anti-aliasing ramps), so an
    # adaptive 256-colour palette is visually lossless; quantising plus encoding it takes
    # about half the time of encoding RGBA (no per-row filtering) for 40% fewer bytes.
    palette = image.convert("RGB").quantize(
        256, method=PIL.Image.Quantize.FASTOCTREE, dither=PIL.Image.Dither.NONE
    )
    buffer = io.BytesIO()
    palette.save(buffer, format="png", compress_level=_PNG_LEVEL)
    return buffer.getvalue()
