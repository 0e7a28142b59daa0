// Every WGSL source the WebGPU backend uses, by file name. Vite (and the Node loader in
// scripts/raw-loader.mjs) turn `?raw` imports into strings.
import attention from '../../../../shaders/attention.wgsl?raw';
import attention_v4 from '../../../../shaders/attention_v4.wgsl?raw';
import crossentropy from '../../../../shaders/crossentropy.wgsl?raw';
import elementwise from '../../../../shaders/elementwise.wgsl?raw';
import embedding from '../../../../shaders/embedding.wgsl?raw';
import f16 from '../../../../shaders/f16.wgsl?raw';
import f16_native from '../../../../shaders/f16_native.wgsl?raw';
import gelu from '../../../../shaders/gelu.wgsl?raw';
import layernorm from '../../../../shaders/layernorm.wgsl?raw';
import matmul from '../../../../shaders/matmul.wgsl?raw';
import optim from '../../../../shaders/optim.wgsl?raw';
import reduce from '../../../../shaders/reduce.wgsl?raw';
import transpose from '../../../../shaders/transpose.wgsl?raw';

export const shaders = { attention, attention_v4, crossentropy, elementwise, embedding, f16, f16_native, gelu, layernorm, matmul, optim, reduce, transpose } as const;
export type ShaderName = keyof typeof shaders;
