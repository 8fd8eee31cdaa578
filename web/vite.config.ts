// `npm run dev` serves the app with hot reload and sends the API to a running gateway
// (FINSTREAM_URL, default http://127.0.0.1:8080): the app only ever calls its own origin.
import { defineConfig } from "vite";

const gateway = process.env.FINSTREAM_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  // The gateway serves index.html at / and the bundle under /assets/.
  base: "/",
  build: { outDir: "dist", assetsDir: "assets", sourcemap: true, target: "es2022" },
  server: {
    proxy: {
      "/v1/stream": { target: gateway.replace(/^http/, "ws"), ws: true },
      // The chat's WebSocket; its REST calls (and POST /v1/chat, the documents' answers) are plain HTTP.
      "/v1/chat": { target: gateway, ws: true },
      "/v1": { target: gateway },
      "/ready": { target: gateway },
    },
  },
});
