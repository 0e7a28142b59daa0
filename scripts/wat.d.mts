// Types of scripts/wat.mjs for vite.config.ts.
import type { Plugin } from 'vite';

export function compileWat(file: string, text: string): Promise<Uint8Array>;
export function watModuleSource(bytes: Uint8Array): string;
export function loadWat(path: string): Promise<string>;
export function watPlugin(): Plugin;
