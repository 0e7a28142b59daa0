// Every WGSL source the WebGPU backend uses, by file name. Vite (and the Node loader in
// scripts/raw-loader.mjs) turn `?raw` imports into strings.
import add from '../../../../shaders/add.wgsl?raw';

export const shaders = { add } as const;
export type ShaderName = keyof typeof shaders;
