// Entry point for Pulumi's component analyzer (`pulumi package add`), which looks for index.ts at the
// package root; the compiled package's main is lib/index.js (tsconfig.build.json).
export * from "./sdk";
