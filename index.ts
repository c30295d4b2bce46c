// Entry point for Pulumi's component analyzer (`pulumi package add`), which looks for index.ts at the
// package root; the compiled package's main is dist/sdk/index.js.
export * from "./sdk";
