// NiceGUI glue for the Vue Flow canvas: loads the vite bundle lazily (so a missing build
// shows a message instead of breaking the page) and forwards props, events and methods.
import { defineAsyncComponent, h } from "vue";

const FlowCanvas = defineAsyncComponent({
  loader: () => import("statewright-canvas/statewright-canvas.js").then((m) => m.default),
  errorComponent: {
    render: () =>
      h(
        "div",
        { style: "padding: 2rem; color: #b91c1c; font-weight: 600" },
        "The canvas bundle is not built: run `make assets`.",
      ),
  },
});

export default {
  components: { FlowCanvas },
  template: `
    <FlowCanvas ref="flow" :nodes="nodes" :edges="edges" :findings="findings" :styles="styles"
      :readonly="readonly" :grid="grid" :highlight="highlight" :diff="diff" :overlay="overlay"
      :auto-layout="autoLayout" />`,
  props: {
    nodes: Array,
    edges: Array,
    findings: Object,
    styles: Object,
    readonly: Boolean,
    grid: Number,
    highlight: Object,
    diff: Object,
    overlay: Object,
    autoLayout: Boolean,
  },
  methods: {
    fit() {
      return this.$refs.flow?.fit();
    },
    focus(id) {
      return this.$refs.flow?.focus(id);
    },
    patch(nodes, edges) {
      return this.$refs.flow?.patch(nodes, edges);
    },
    arrange() {
      return this.$refs.flow?.arrange();
    },
    setFindings(marks) {
      return this.$refs.flow?.setFindings(marks);
    },
  },
};
