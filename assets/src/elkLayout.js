// Automatic layout with ELK's layered algorithm: node positions, orthogonal edge routes and
// edge label positions that never overlap. Sizes come from the state type and the text
// lengths only (never from the DOM), so the same graph always gets the same layout: an
// arranged and saved layout is recognised when it is drawn again, and its routes reused.
// ELK is large: it loads in its own chunk, after the canvas has drawn.
let elk = null;
async function engine() {
  if (!elk) {
    const { default: ELK } = await import("elkjs/lib/elk.bundled.js");
    elk = new ELK();
  }
  return elk;
}

// Drawn sizes of the shapes (assets/src/canvas.css); round shapes carry a caption below.
const BOX = { width: 180, height: 56 };
const ROUND = 56;
const CAPTION_PX = 36;
const BAR = { thick: 14, long: 96 };
const CHAR_PX = { label: 7, caption: 7.2 };
const LABEL_LINE_PX = 15;
const LABEL_PAD = { x: 12, y: 6 };
const LABEL_LINE_CHARS = 24;

export const DIRECTION = "RIGHT";

/** The drawn size of a node, and of the caption below it for round shapes and bars. */
export function nodeBox(node, shape) {
  if (shape === "bar") {
    const vertical = DIRECTION === "RIGHT" || DIRECTION === "LEFT";
    const [width, height] = vertical ? [BAR.thick, BAR.long] : [BAR.long, BAR.thick];
    return { width, height, caption: captionSize(node) };
  }
  if (shape === "circle" || shape === "diamond") {
    return { width: ROUND, height: ROUND, caption: captionSize(node) };
  }
  return { ...BOX };
}

function captionSize(node) {
  const text = Math.max(String(node.label || "").length, String(node.detail || "").length);
  return { width: Math.min(Math.ceil(text * CHAR_PX.caption), 170), height: CAPTION_PX };
}

/** A transition label in lines of at most about 24 characters: long guards would otherwise
 * stretch the gap between two columns of states across the screen. */
export function labelLines(text) {
  const lines = [];
  for (const word of String(text).split(/\s+/).filter(Boolean)) {
    const last = lines.length - 1;
    if (last >= 0 && (lines[last] + " " + word).length <= LABEL_LINE_CHARS) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** The drawn size of a label (RoutedEdge draws it with the same numbers). */
export function labelSize(text) {
  const lines = labelLines(text);
  return {
    width: Math.ceil(Math.max(0, ...lines.map((l) => l.length)) * CHAR_PX.label) + LABEL_PAD.x,
    height: lines.length * LABEL_LINE_PX + LABEL_PAD.y,
    lineHeight: LABEL_LINE_PX,
  };
}

const OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": DIRECTION,
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.layered.spacing.nodeNodeBetweenLayers": "40",
  "elk.spacing.nodeNode": "44",
  "elk.spacing.edgeEdge": "22",
  "elk.spacing.edgeNode": "22",
  "elk.layered.spacing.edgeEdgeBetweenLayers": "22",
  "elk.layered.spacing.edgeNodeBetweenLayers": "14",
  "elk.spacing.edgeLabel": "4",
  "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  // Loops are broken by a depth-first walk from the start: edges back to a state on the way
  // there point back.
  "elk.layered.cycleBreaking.strategy": "DEPTH_FIRST",
  "elk.layered.mergeEdges": "false",
  "elk.separateConnectedComponents": "false",
};

/** ELK's layout of `nodes` ({id, type, label, detail}) and `edges` ({id, source, target,
 * label}) with `shapes` (type -> shape): {positions: {id: {x, y}}, routes: {id: {source,
 * target (the ends' positions), points, label: {x, y} | null}}}. Positions are the drawn shapes' top-left corners. */
export async function layout(nodes, edges, shapes) {
  const boxes = Object.fromEntries(nodes.map((n) => [n.id, nodeBox(n, shapes[n.type])]));
  const known = new Set(nodes.map((n) => n.id));
  const graph = {
    id: "root",
    layoutOptions: OPTIONS,
    children: nodes.map((n) => {
      const box = boxes[n.id];
      return {
        id: n.id,
        width: box.width,
        height: box.height,
        layoutOptions: {
          "elk.portConstraints": "FIXED_POS",
          ...(n.type === "start" ? { "elk.layered.layering.layerConstraint": "FIRST" } : {}),
        },
        // Round shapes' captions sit below them: ELK keeps that space free too.
        labels: box.caption
          ? [{ text: n.label || n.id, ...box.caption,
            layoutOptions: { "elk.nodeLabels.placement": "OUTSIDE V_BOTTOM H_CENTER" } }]
          : [],
        // One way in on the left and one way out on the right, where the canvas draws handles.
        ports: [
          { id: `${n.id}::in`, x: 0, y: box.height / 2, width: 0, height: 0,
            layoutOptions: { "elk.port.side": "WEST" } },
          { id: `${n.id}::out`, x: box.width, y: box.height / 2, width: 0, height: 0,
            layoutOptions: { "elk.port.side": "EAST" } },
        ],
      };
    }),
    edges: edges
      .filter((e) => known.has(e.source) && known.has(e.target))
      .map((e) => ({
        id: e.id,
        sources: [`${e.source}::out`],
        targets: [`${e.target}::in`],
        labels: e.label
          ? [{ text: e.label, width: labelSize(e.label).width, height: labelSize(e.label).height,
            layoutOptions: { "elk.edgeLabels.placement": "CENTER" } }]
          : [],
      })),
  };
  const result = await (await engine()).layout(graph);
  const positions = {};
  for (const child of result.children || []) {
    positions[child.id] = { x: Math.round(child.x), y: Math.round(child.y) };
  }
  const routes = {};
  for (const edge of result.edges || []) {
    const section = edge.sections?.[0];
    if (!section) continue;
    const points = [section.startPoint, ...(section.bendPoints || []), section.endPoint];
    const label = edge.labels?.[0];
    const [source, target] = [edge.sources[0], edge.targets[0]].map((port) => port.split("::")[0]);
    routes[edge.id] = {
      // Where its ends were laid out: the route only fits while they stay there.
      source: positions[source],
      target: positions[target],
      points: points.map((p) => ({ x: p.x, y: p.y })),
      label: label ? { x: label.x + label.width / 2, y: label.y + label.height / 2 } : null,
    };
  }
  return { positions, routes };
}
