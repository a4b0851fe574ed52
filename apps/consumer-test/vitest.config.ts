import { defineConfig } from "vitest/config"

// One test that builds, packs and installs from the registry: minutes on a cold npm cache.
export default defineConfig({
  test: { include: ["test/**/*.test.ts"], testTimeout: 600_000, hookTimeout: 60_000 }
})
