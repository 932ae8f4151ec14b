// Builds the canvas as one ES module for NiceGUI's `esm=` registration.
// `vue` stays external: the NiceGUI page already maps it in its import map, and a second
// copy of Vue would break reactivity between the wrapper and the canvas.
import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [vue()],
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir: fileURLToPath(new URL("../designer/components/dist", import.meta.url)),
    emptyOutDir: true,
    cssCodeSplit: false,
    lib: {
      entry: fileURLToPath(new URL("src/index.js", import.meta.url)),
      formats: ["es"],
      fileName: () => "statewright-canvas.js",
    },
    rollupOptions: { external: ["vue"] },
  },
});
