// Entry of the canvas bundle: injects the styles once and exports the Vue component.
import coreCss from "@vue-flow/core/dist/style.css?inline";
import themeCss from "@vue-flow/core/dist/theme-default.css?inline";
import controlsCss from "@vue-flow/controls/dist/style.css?inline";
import minimapCss from "@vue-flow/minimap/dist/style.css?inline";
import canvasCss from "./canvas.css?inline";
import StatewrightCanvas from "./StatewrightCanvas.vue";

const STYLE_ID = "statewright-canvas-styles";
if (!document.getElementById(STYLE_ID)) {
  const style = document.createElement("style");
  style.id = STYLE_ID;
  style.textContent = [coreCss, themeCss, controlsCss, minimapCss, canvasCss].join("\n");
  document.head.append(style);
}

export default StatewrightCanvas;
