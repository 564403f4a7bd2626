/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// Served by Django from the same origin: the built files are collected under
// STATIC_URL/app/ (settings.STATICFILES_DIRS) and index.html is answered by a Django view.
export default defineConfig({
  base: "/static/app/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { target: "es2022", sourcemap: false, assetsInlineLimit: 0 },
  server: { proxy: { "/api": "http://127.0.0.1:8000", "/ws": { target: "ws://127.0.0.1:8000", ws: true } } },
  test: { include: ["src/test/**/*.test.ts"], environment: "node" },
});
