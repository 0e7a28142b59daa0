// Checkpoints: the training state, its versioned manifest, the in-memory parts stores hold, the single
// .safetensors file, hashing, optimizer shards and the store interface. See docs/checkpoints.md.
export { CheckpointError, type CheckpointCode } from './errors';
export * from './file';
export * from './hash';
export * from './manifest';
export * from './parts';
export * from './shards';
export * from './store';
