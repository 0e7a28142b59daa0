// `import bytes from './x.wat'`: WebAssembly text compiled to its binary at load time by scripts/wat.mjs
// (a Vite plugin, and the Node module hook scripts/raw-loader.mjs).
declare module '*.wat' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
