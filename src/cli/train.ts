// Placeholder until the engine lands: exits 2 with a one-line message.
console.error('npm run train: not yet available: the training engine has not landed.');
process.exit(2);
