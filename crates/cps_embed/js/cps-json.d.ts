// Generated with cps.d.ts. Do not edit.
export * from "./cps";
