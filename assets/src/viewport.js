// Where the canvas looks first: the whole graph when it fits at a zoom where node text is
// still readable (13 px labels at least 12 px on screen), else a readable part of it.
export const READABLE_ZOOM = 0.95;
const PADDING_PX = 32;

function bounds(boxes) {
  const left = Math.min(...boxes.map((b) => b.x));
  const top = Math.min(...boxes.map((b) => b.y));
  const right = Math.max(...boxes.map((b) => b.x + b.width));
  const bottom = Math.max(...boxes.map((b) => b.y + b.height));
  return { left, top, right, bottom, width: right - left, height: bottom - top };
}

/** Pan along one axis so `middle` is centred, without leaving empty space before or after
 * the graph when it is larger than the view (so a start on the edge stays on the edge). */
function pan(middle, low, high, view, zoom) {
  const centred = view / 2 - middle * zoom;
  if ((high - low) * zoom + 2 * PADDING_PX <= view) return view / 2 - ((low + high) / 2) * zoom;
  const most = PADDING_PX - low * zoom;
  const least = view - PADDING_PX - high * zoom;
  return Math.min(most, Math.max(least, centred));
}

/** The viewport ({x, y, zoom}) for node `boxes` ({id, x, y, width, height}) in a view of
 * `size` ({width, height}), centred on the boxes whose id is in `around` when not all fit
 * (on the first of them when those do not fit together either). */
export function readableView(boxes, around, size) {
  if (!boxes.length) return { x: PADDING_PX, y: PADDING_PX, zoom: 1 };
  const all = bounds(boxes);
  const fitting = Math.min(
    (size.width - 2 * PADDING_PX) / all.width,
    (size.height - 2 * PADDING_PX) / all.height,
    1,
  );
  const zoom = Math.max(fitting, READABLE_ZOOM);
  let focus = boxes.filter((b) => around.includes(b.id));
  const spread = focus.length > 1 && bounds(focus);
  if (spread && (spread.width * zoom > size.width - 2 * PADDING_PX
      || spread.height * zoom > size.height - 2 * PADDING_PX)) {
    focus = focus.slice(0, 1); // too far apart to show together: the first one whole
  }
  const centre = bounds(focus.length ? focus : boxes);
  return {
    x: pan((centre.left + centre.right) / 2, all.left, all.right, size.width, zoom),
    y: pan((centre.top + centre.bottom) / 2, all.top, all.bottom, size.height, zoom),
    zoom,
  };
}
