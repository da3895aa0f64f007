// Imported into a child process by a test (NODE_OPTIONS=--import): on SIGUSR2, a promise rejects and
// nothing handles it, exactly as a forgotten `.catch` in product code would (see unhandled.ts).
process.on('SIGUSR2', () => {
  Promise.reject(new Error('planted by a test'));
});
