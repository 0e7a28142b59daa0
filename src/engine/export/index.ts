// Export to nanoGPT (pure: no files, no DOM): a training state and the run's tokens -> the bundle's files
// (config/<name>.py for train.py, data/<name>/ as uint16 .bin files and the vocabulary, the checkpoint,
// the converter, README.md), the commands that continue the run, and a tar of the bundle for downloads.
// See docs/export.md.
export { bundleName, checkName, outDirOf } from './name';
export { converterCommand, cpuCommand, shellWord, torchrunCommand } from './commands';
export { bestValLoss, BUNDLE_FORMAT, BUNDLE_VERSION, CHECKPOINT_FILE, nanoGptBundle, type Bundle, type BundleFile, type BundleInput } from './bundle';
export { CONVERTER } from './converter';
export { readTokenBin, tokenBin } from './data';
export { ExportError, type ExportCode } from './errors';
export { MIN_EVAL_WINDOWS, nanoGptSettings, pyLiteral, renderConfig, type NanoGptEntry, type NanoGptSettings } from './settings';
export { stateFromWeights } from './weights-state';
export { tarArchive } from './tar';
export { bundleDownload, bundleRoot, PAGE_SOURCE, weightsDownload, type Download } from './download';
